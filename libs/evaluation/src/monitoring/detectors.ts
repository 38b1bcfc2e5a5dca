/**
 * Anomaly detectors over event streams, per tenant, on rolling baselines. Pure and deterministic: no clock, no
 * I/O; the time of each sample is passed in (the event's own time), so a replayed stream gives the same alerts.
 *
 * Two shapes:
 * - `WindowShiftDetector`: a **recent window** (the last `recentSize` samples of the tenant) compared with a
 *   **baseline window** (the `baselineSize` samples before it). A sample enters the baseline only when it
 *   leaves the recent window, so a spike cannot hide in its own baseline while it is being detected.
 *   Statistic: the mean (error rate, groundedness, satisfaction) with a margin of
 *   `max(minDelta, zScore × sd / √recentSize)`, or the p95 (latency) with a margin of
 *   `max(minDelta, (minRatio − 1) × baseline p95)`.
 * - `BurstDetector`: counts per time bucket (`bucketMs`) against the mean of the previous `baselineBuckets`
 *   buckets (empty ones count as 0). The threshold is the smallest count whose Poisson tail probability under
 *   the baseline mean is below `pValue`, and at least `minCount`.
 *
 * Both stay silent until the baseline has `minBaseline*` samples (buckets). One incident raises one alert per
 * severity (a warning that grows to `criticalFactor` × the margin raises a critical one): a tenant's detector
 * stays "in incident" after an alert until the statistic is back under half the margin (recovery). An
 * incident that starts less than `cooldownMs` after the previous alert raises nothing at all.
 *
 * State survives a restart through `snapshot()` / `restore()`: per tenant, plain JSON with the window values
 * and times (burst: the bucket counts) and the incident state, never a conversation or turn id. Restored
 * samples have no ids, so an alert's examples only list the live samples of its window.
 */

import { z } from 'zod';

export const ANOMALY_KINDS = [
  'error_rate_spike',
  'latency_p95_jump',
  'groundedness_drop',
  'satisfaction_drop',
  'crm_write_burst',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface Sample {
  readonly tenantId: string;
  /** Event time, epoch milliseconds. */
  readonly at: number;
  /** The measured value (1/0 for a failure, ms, a 0..1 score). The burst detector ignores it. */
  readonly value: number;
  readonly conversationId: string;
  readonly turnId?: string;
}

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly tenantId: string;
  readonly severity: 'warning' | 'critical';
  /** Time of the oldest sample of the recent window (burst: start of the bucket). Part of the alert id. */
  readonly windowStart: number;
  /** Time of the sample that tipped the detector. */
  readonly windowEnd: number;
  readonly statistic: 'mean' | 'p95' | 'count';
  readonly baseline: number;
  readonly current: number;
  /** The value `current` had to reach (up) or fall to (down). */
  readonly threshold: number;
  /** Samples in the recent window (burst: events in the bucket). */
  readonly sampleCount: number;
  /** Samples (burst: buckets) in the baseline. */
  readonly baselineCount: number;
  /** The conversation and turn whose event tipped the detector. */
  readonly conversationId: string;
  readonly turnId?: string;
  /**
   * Up to 5 distinct conversations / turns of the recent window, newest first: its live samples only (restored
   * samples carry no ids).
   */
  readonly exampleConversationIds: readonly string[];
  readonly exampleTurnIds: readonly string[];
}

export interface AnomalyDetector {
  readonly kind: AnomalyKind;
  observe(sample: Sample): Anomaly | undefined;
  /** Every tenant's state, JSON-able, without conversation or turn ids. */
  snapshot(): DetectorSnapshot;
  /**
   * Restores the tenants of a snapshot (replacing their state). Never throws: a tenant whose data is invalid
   * or was taken with other window options is ignored and reported.
   */
  restore(data: unknown): RestoreReport;
}

/** Per tenant id: that tenant's state (the shape depends on the detector). */
export type DetectorSnapshot = Readonly<Record<string, WindowShiftTenantSnapshot | BurstTenantSnapshot>>;

export interface RestoreReport {
  readonly restored: number;
  /** What was ignored and why (`tenantId` is `*` when the whole snapshot is unusable). */
  readonly ignored: readonly { readonly tenantId: string; readonly reason: string }[];
}

export interface WindowShiftOptions {
  readonly kind: AnomalyKind;
  /** `up`: alert when the statistic rises (errors, latency); `down`: when it falls (scores). */
  readonly direction: 'up' | 'down';
  readonly statistic: 'mean' | 'p95';
  readonly recentSize: number;
  readonly baselineSize: number;
  readonly minBaselineSamples: number;
  /** Smallest absolute shift that counts (same unit as the values). */
  readonly minDelta: number;
  /** Mean: how many standard errors of the baseline the shift must exceed. */
  readonly zScore: number;
  /** p95: the recent p95 must reach this multiple of the baseline p95. */
  readonly minRatio: number;
  /** `critical` when the shift is at least this multiple of the margin, else `warning`. */
  readonly criticalFactor: number;
  readonly cooldownMs: number;
}

export interface BurstOptions {
  readonly kind: AnomalyKind;
  readonly bucketMs: number;
  readonly baselineBuckets: number;
  readonly minBaselineBuckets: number;
  readonly minCount: number;
  /** Poisson tail probability under the baseline mean below which a count is a burst. */
  readonly pValue: number;
  readonly criticalFactor: number;
  readonly cooldownMs: number;
}

const EXAMPLES = 5;

/** Nearest-rank quantile of unsorted values (q in (0, 1]). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance =
    values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

/** A sample held in a window: restored ones carry no ids. */
interface HeldSample {
  readonly at: number;
  readonly value: number;
  readonly conversationId?: string;
  readonly turnId?: string;
}

function examples(samples: readonly HeldSample[]): { conversations: string[]; turns: string[] } {
  const conversations: string[] = [];
  const turns: string[] = [];
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i];
    if (
      s.conversationId !== undefined &&
      conversations.length < EXAMPLES &&
      !conversations.includes(s.conversationId)
    ) {
      conversations.push(s.conversationId);
    }
    if (s.turnId && turns.length < EXAMPLES && !turns.includes(s.turnId)) turns.push(s.turnId);
  }
  return { conversations, turns };
}

const LEVELS = { warning: 1, critical: 2 } as const;

const IncidentSnapshotSchema = z.strictObject({
  /** 0: no incident, 1: a warning raised, 2: a critical one raised (or an incident swallowed by the cooldown). */
  level: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  lastAlertAt: z.number().nullable(),
});
export type IncidentSnapshot = z.infer<typeof IncidentSnapshotSchema>;

const count = z.number().int().nonnegative();

const WindowShiftTenantSnapshotSchema = z.strictObject({
  v: z.literal(1),
  kind: z.enum(ANOMALY_KINDS),
  recentSize: z.number().int(),
  baselineSize: z.number().int(),
  /** The recent window, oldest first: event time (epoch ms) and value. */
  recent: z.array(z.strictObject({ at: z.number(), value: z.number() })),
  /** The baseline window's values, oldest first. */
  baseline: z.array(z.number()),
  incident: IncidentSnapshotSchema,
});
export type WindowShiftTenantSnapshot = z.infer<typeof WindowShiftTenantSnapshotSchema>;

const BurstTenantSnapshotSchema = z.strictObject({
  v: z.literal(1),
  kind: z.enum(ANOMALY_KINDS),
  bucketMs: z.number().int(),
  baselineBuckets: z.number().int(),
  /** The current bucket (event time / bucketMs) and its count. */
  bucket: z.number().int(),
  count,
  /** The counts of the closed buckets, oldest first. */
  history: z.array(count),
  incident: IncidentSnapshotSchema,
});
export type BurstTenantSnapshot = z.infer<typeof BurstTenantSnapshotSchema>;

/** Validates each tenant of `data` with `parse` (an error message, or the tenant's state to install). */
function restoreTenants<S>(
  data: unknown,
  parse: (tenantData: unknown) => S | string,
  install: (tenantId: string, state: S) => void,
): RestoreReport {
  const tenants = z.record(z.string().min(1), z.unknown()).safeParse(data);
  if (!tenants.success) return { restored: 0, ignored: [{ tenantId: '*', reason: 'not a snapshot' }] };
  const ignored: { tenantId: string; reason: string }[] = [];
  let restored = 0;
  for (const [tenantId, tenantData] of Object.entries(tenants.data)) {
    const state = parse(tenantData);
    if (typeof state === 'string') {
      ignored.push({ tenantId, reason: state });
    } else {
      install(tenantId, state);
      restored += 1;
    }
  }
  return { restored, ignored };
}

function invalid(error: z.ZodError): string {
  const issue = error.issues[0];
  return `invalid: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/**
 * Incident bookkeeping shared by both detectors: one alert per incident and severity (a warning incident that
 * grows critical raises a second, critical alert), a cooldown between incidents, recovery.
 */
class IncidentState {
  private level = 0;
  private lastAlertAt: number | undefined;

  /** True when an alert of this severity may be raised now (and records it). */
  tryRaise(at: number, cooldownMs: number, severity: 'warning' | 'critical'): boolean {
    const level = LEVELS[severity];
    if (this.level > 0) {
      if (level <= this.level) return false;
      this.level = level;
      return true;
    }
    if (this.lastAlertAt !== undefined && at - this.lastAlertAt < cooldownMs) {
      // An incident that starts within the cooldown is swallowed whole, until it recovers.
      this.level = LEVELS.critical;
      return false;
    }
    this.level = level;
    this.lastAlertAt = at;
    return true;
  }

  recovered(): void {
    this.level = 0;
  }

  snapshot(): IncidentSnapshot {
    return { level: this.level === 2 ? 2 : this.level === 1 ? 1 : 0, lastAlertAt: this.lastAlertAt ?? null };
  }

  static restore(s: IncidentSnapshot): IncidentState {
    const state = new IncidentState();
    state.level = s.level;
    state.lastAlertAt = s.lastAlertAt ?? undefined;
    return state;
  }
}

interface ShiftTenantState {
  readonly recent: HeldSample[];
  readonly baseline: number[];
  readonly incident: IncidentState;
}

/** Recent window against the baseline window before it, per tenant (see the module comment). */
export class WindowShiftDetector implements AnomalyDetector {
  private readonly tenants = new Map<string, ShiftTenantState>();

  constructor(readonly options: WindowShiftOptions) {
    if (options.recentSize < 1 || options.baselineSize < options.minBaselineSamples) {
      throw new Error(`${options.kind}: invalid window sizes`);
    }
  }

  get kind(): AnomalyKind {
    return this.options.kind;
  }

  observe(sample: Sample): Anomaly | undefined {
    const o = this.options;
    let state = this.tenants.get(sample.tenantId);
    if (!state) {
      state = { recent: [], baseline: [], incident: new IncidentState() };
      this.tenants.set(sample.tenantId, state);
    }
    state.recent.push(sample);
    if (state.recent.length > o.recentSize) {
      state.baseline.push(state.recent.shift()!.value);
      if (state.baseline.length > o.baselineSize) state.baseline.shift();
    }
    if (state.recent.length < o.recentSize || state.baseline.length < o.minBaselineSamples) return undefined;

    const recentValues = state.recent.map((s) => s.value);
    let baseline: number;
    let current: number;
    let margin: number;
    if (o.statistic === 'mean') {
      const base = meanAndSd(state.baseline);
      baseline = base.mean;
      current = meanAndSd(recentValues).mean;
      margin = Math.max(o.minDelta, (o.zScore * base.sd) / Math.sqrt(o.recentSize));
    } else {
      baseline = quantile(state.baseline, 0.95);
      current = quantile(recentValues, 0.95);
      margin = Math.max(o.minDelta, (o.minRatio - 1) * baseline);
    }
    const shift = o.direction === 'up' ? current - baseline : baseline - current;
    if (shift < margin) {
      if (shift < margin / 2) state.incident.recovered();
      return undefined;
    }
    const severity = shift >= o.criticalFactor * margin ? 'critical' : 'warning';
    if (!state.incident.tryRaise(sample.at, o.cooldownMs, severity)) return undefined;
    const ex = examples(state.recent);
    return {
      kind: o.kind,
      tenantId: sample.tenantId,
      severity,
      windowStart: state.recent[0].at,
      windowEnd: sample.at,
      statistic: o.statistic,
      baseline,
      current,
      threshold: o.direction === 'up' ? baseline + margin : baseline - margin,
      sampleCount: state.recent.length,
      baselineCount: state.baseline.length,
      conversationId: sample.conversationId,
      turnId: sample.turnId,
      exampleConversationIds: ex.conversations,
      exampleTurnIds: ex.turns,
    };
  }

  snapshot(): Record<string, WindowShiftTenantSnapshot> {
    const o = this.options;
    const snapshot: Record<string, WindowShiftTenantSnapshot> = {};
    for (const [tenantId, state] of this.tenants) {
      snapshot[tenantId] = {
        v: 1,
        kind: o.kind,
        recentSize: o.recentSize,
        baselineSize: o.baselineSize,
        // Times and values only: never the conversation or turn ids of the samples.
        recent: state.recent.map((s) => ({ at: s.at, value: s.value })),
        baseline: [...state.baseline],
        incident: state.incident.snapshot(),
      };
    }
    return snapshot;
  }

  restore(data: unknown): RestoreReport {
    const o = this.options;
    return restoreTenants(
      data,
      (tenantData) => {
        const parsed = WindowShiftTenantSnapshotSchema.safeParse(tenantData);
        if (!parsed.success) return invalid(parsed.error);
        const s = parsed.data;
        if (s.kind !== o.kind || s.recentSize !== o.recentSize || s.baselineSize !== o.baselineSize) {
          return `taken with other options (${s.kind}, recent ${s.recentSize}, baseline ${s.baselineSize})`;
        }
        if (s.recent.length > o.recentSize || s.baseline.length > o.baselineSize) return 'windows too long';
        // A sample enters the baseline only when it leaves a full recent window.
        if (s.baseline.length > 0 && s.recent.length < o.recentSize)
          return 'a baseline behind a partial window';
        return s;
      },
      (tenantId, s) =>
        this.tenants.set(tenantId, {
          recent: s.recent.map((r) => ({ at: r.at, value: r.value })),
          baseline: [...s.baseline],
          incident: IncidentState.restore(s.incident),
        }),
    );
  }
}

/** Smallest k with P(X ≥ k) < pValue for X ~ Poisson(lambda). */
export function poissonThreshold(lambda: number, pValue: number): number {
  if (lambda <= 0) return 1;
  let term = Math.exp(-lambda); // P(X = 0)
  let cdf = term; // P(X <= k)
  let k = 0;
  while (1 - cdf >= pValue && k < 100_000) {
    k += 1;
    term *= lambda / k;
    cdf += term;
  }
  return k + 1;
}

interface BurstTenantState {
  bucket: number;
  count: number;
  /** The current bucket's last samples (examples): restored state starts with none. */
  readonly samples: HeldSample[];
  readonly history: number[];
  readonly incident: IncidentState;
}

/** Events per time bucket against the previous buckets, per tenant (see the module comment). */
export class BurstDetector implements AnomalyDetector {
  private readonly tenants = new Map<string, BurstTenantState>();

  constructor(readonly options: BurstOptions) {
    if (options.bucketMs <= 0 || options.baselineBuckets < options.minBaselineBuckets) {
      throw new Error(`${options.kind}: invalid buckets`);
    }
  }

  get kind(): AnomalyKind {
    return this.options.kind;
  }

  observe(sample: Sample): Anomaly | undefined {
    const o = this.options;
    const bucket = Math.floor(sample.at / o.bucketMs);
    let state = this.tenants.get(sample.tenantId);
    if (!state) {
      state = { bucket, count: 0, samples: [], history: [], incident: new IncidentState() };
      this.tenants.set(sample.tenantId, state);
    }
    if (bucket > state.bucket) {
      // Close the bucket (and the empty ones since): the baseline moves on.
      const closed = [
        state.count,
        ...Array<number>(Math.min(bucket - state.bucket - 1, o.baselineBuckets)).fill(0),
      ];
      for (const count of closed) {
        if (count < this.threshold(state.history) / 2) state.incident.recovered();
        state.history.push(count);
        if (state.history.length > o.baselineBuckets) state.history.shift();
      }
      state.bucket = bucket;
      state.count = 0;
      state.samples.length = 0;
    }
    // A late event (an earlier bucket) counts in the current one.
    state.count += 1;
    state.samples.push(sample);
    if (state.samples.length > 50) state.samples.shift();
    if (state.history.length < o.minBaselineBuckets) return undefined;

    const threshold = this.threshold(state.history);
    if (state.count < threshold) return undefined;
    const severity = state.count >= o.criticalFactor * threshold ? 'critical' : 'warning';
    if (!state.incident.tryRaise(sample.at, o.cooldownMs, severity)) return undefined;
    const baseline = state.history.reduce((s, v) => s + v, 0) / state.history.length;
    const ex = examples(state.samples);
    return {
      kind: o.kind,
      tenantId: sample.tenantId,
      severity,
      windowStart: state.bucket * o.bucketMs,
      windowEnd: sample.at,
      statistic: 'count',
      baseline,
      current: state.count,
      threshold,
      sampleCount: state.count,
      baselineCount: state.history.length,
      conversationId: sample.conversationId,
      turnId: sample.turnId,
      exampleConversationIds: ex.conversations,
      exampleTurnIds: ex.turns,
    };
  }

  snapshot(): Record<string, BurstTenantSnapshot> {
    const o = this.options;
    const snapshot: Record<string, BurstTenantSnapshot> = {};
    for (const [tenantId, state] of this.tenants) {
      snapshot[tenantId] = {
        v: 1,
        kind: o.kind,
        bucketMs: o.bucketMs,
        baselineBuckets: o.baselineBuckets,
        bucket: state.bucket,
        count: state.count,
        // Counts only: the samples (ids, for the examples) are not kept.
        history: [...state.history],
        incident: state.incident.snapshot(),
      };
    }
    return snapshot;
  }

  restore(data: unknown): RestoreReport {
    const o = this.options;
    return restoreTenants(
      data,
      (tenantData) => {
        const parsed = BurstTenantSnapshotSchema.safeParse(tenantData);
        if (!parsed.success) return invalid(parsed.error);
        const s = parsed.data;
        if (s.kind !== o.kind || s.bucketMs !== o.bucketMs || s.baselineBuckets !== o.baselineBuckets) {
          return `taken with other options (${s.kind}, bucket ${s.bucketMs} ms × ${s.baselineBuckets})`;
        }
        if (s.history.length > o.baselineBuckets) return 'history too long';
        return s;
      },
      (tenantId, s) =>
        this.tenants.set(tenantId, {
          bucket: s.bucket,
          count: s.count,
          samples: [],
          history: [...s.history],
          incident: IncidentState.restore(s.incident),
        }),
    );
  }

  private threshold(history: readonly number[]): number {
    if (history.length === 0) return this.options.minCount;
    const mean = history.reduce((s, v) => s + v, 0) / history.length;
    return Math.max(this.options.minCount, poissonThreshold(mean, this.options.pValue));
  }
}

export interface DetectorSettings {
  readonly cooldownMs: number;
}

/** The defaults of each detector (documented in the README). */
export function defaultDetectorOptions(settings: DetectorSettings): {
  readonly error_rate_spike: WindowShiftOptions;
  readonly latency_p95_jump: WindowShiftOptions;
  readonly groundedness_drop: WindowShiftOptions;
  readonly satisfaction_drop: WindowShiftOptions;
  readonly crm_write_burst: BurstOptions;
} {
  const { cooldownMs } = settings;
  return {
    error_rate_spike: {
      kind: 'error_rate_spike',
      direction: 'up',
      statistic: 'mean',
      recentSize: 30,
      baselineSize: 500,
      minBaselineSamples: 100,
      minDelta: 0.25,
      zScore: 5,
      minRatio: 1,
      criticalFactor: 2,
      cooldownMs,
    },
    latency_p95_jump: {
      kind: 'latency_p95_jump',
      direction: 'up',
      statistic: 'p95',
      recentSize: 50,
      baselineSize: 500,
      minBaselineSamples: 100,
      minDelta: 500,
      zScore: 0,
      minRatio: 2,
      criticalFactor: 2,
      cooldownMs,
    },
    groundedness_drop: {
      kind: 'groundedness_drop',
      direction: 'down',
      statistic: 'mean',
      recentSize: 20,
      baselineSize: 500,
      minBaselineSamples: 100,
      minDelta: 0.15,
      zScore: 5,
      minRatio: 1,
      criticalFactor: 2,
      cooldownMs,
    },
    satisfaction_drop: {
      kind: 'satisfaction_drop',
      direction: 'down',
      statistic: 'mean',
      recentSize: 20,
      baselineSize: 300,
      minBaselineSamples: 50,
      minDelta: 0.25,
      zScore: 5,
      minRatio: 1,
      criticalFactor: 2,
      cooldownMs,
    },
    crm_write_burst: {
      kind: 'crm_write_burst',
      bucketMs: 5 * 60_000,
      baselineBuckets: 288,
      minBaselineBuckets: 12,
      minCount: 10,
      pValue: 1e-6,
      criticalFactor: 2,
      cooldownMs,
    },
  };
}

/** A satisfaction sample from feedback: a rating 1..5 → 0..1, thumbs up 1 / down 0; undefined for a comment. */
export function satisfactionOf(feedback: { rating?: number; thumbs?: 'up' | 'down' }): number | undefined {
  if (feedback.rating !== undefined) return (feedback.rating - 1) / 4;
  if (feedback.thumbs !== undefined) return feedback.thumbs === 'up' ? 1 : 0;
  return undefined;
}
