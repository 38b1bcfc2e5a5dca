import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AlertRaised, deriveId, type AlertRaisedData, type EventEnvelope } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { EventPublisher } from '@lib/messaging';
import { AnomalyStateRepository, type AnomalyStateRow } from './anomaly-state.repository';
import {
  ANOMALY_KINDS,
  BurstDetector,
  defaultDetectorOptions,
  WindowShiftDetector,
  type Anomaly,
  type AnomalyDetector,
  type AnomalyKind,
  type Sample,
} from './detectors';
import { MONITORING_CONFIG, type MonitoringConfig } from './monitoring.config';

export const AnomalyAlertIds = {
  /** One alert per tenant, kind, severity and window start: a redelivered or retried event gives the same id. */
  alert: (a: Pick<Anomaly, 'tenantId' | 'kind' | 'severity' | 'windowStart'>): string =>
    deriveId(a.tenantId, 'anomaly', a.kind, a.severity, new Date(a.windowStart).toISOString()),
  alertEvent: (alertId: string): string => deriveId(alertId, 'alert.raised'),
} as const;

/** How many (kind, event id) results are remembered, so a retried handler replays the same outcome. */
const MEMO_SIZE = 10_000;

const round = (v: number, digits = 4): number => Math.round(v * 10 ** digits) / 10 ** digits;

function describe(a: Anomaly): string {
  const f = (v: number): string =>
    a.kind === 'latency_p95_jump' ? `${Math.round(v)} ms` : round(v, 3).toString();
  const what: Record<AnomalyKind, string> = {
    error_rate_spike: `Error rate ${f(a.current)} over the last ${a.sampleCount} turns`,
    latency_p95_jump: `Reply latency p95 ${f(a.current)} over the last ${a.sampleCount} replies`,
    groundedness_drop: `Mean groundedness ${f(a.current)} over the last ${a.sampleCount} replies`,
    satisfaction_drop: `Mean satisfaction ${f(a.current)} over the last ${a.sampleCount} feedbacks`,
    crm_write_burst: `${a.current} CRM change proposals in the current window`,
  };
  return `${what[a.kind]}, against a baseline of ${f(a.baseline)} (threshold ${f(a.threshold)}).`;
}

/**
 * Feeds the anomaly detectors and publishes `alert.raised` for what they find, in the handler's unit of work
 * (outbox). State is in memory per evaluator instance, warmed by the stream, and saved to PostgreSQL
 * (`anomaly_state`): loaded at boot (before the consumers start), saved every EVALUATOR_ANOMALY_STATE_SAVE_MS
 * and at shutdown, so a restart keeps the baselines and the incidents in progress (see the README's limits).
 * The inbox skips redelivered events; a handler retried after a failed transaction sees the same outcome again
 * (remembered per kind and event id), so the alert it republishes has the same ids.
 */
@Injectable()
export class AnomalyMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AnomalyMonitor.name);
  private readonly detectors: Readonly<Record<AnomalyKind, AnomalyDetector>>;
  private readonly memo = new Map<string, Anomaly | undefined>();
  /** Where the state is saved; none without a database (unit tests). */
  private readonly store: AnomalyStateRepository | undefined;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<boolean> | undefined;

  constructor(
    private readonly publisher: EventPublisher,
    @Inject(MONITORING_CONFIG) private readonly config: MonitoringConfig,
    @Optional() uow?: UnitOfWork,
  ) {
    this.store = uow ? new AnomalyStateRepository(uow) : undefined;
    const o = defaultDetectorOptions({ cooldownMs: config.cooldownMs });
    this.detectors = {
      error_rate_spike: new WindowShiftDetector(o.error_rate_spike),
      latency_p95_jump: new WindowShiftDetector(o.latency_p95_jump),
      groundedness_drop: new WindowShiftDetector(o.groundedness_drop),
      satisfaction_drop: new WindowShiftDetector(o.satisfaction_drop),
      crm_write_burst: new BurstDetector(o.crm_write_burst),
    };
  }

  get enabled(): boolean {
    return this.config.anomalyDetection;
  }

  /** Loads the saved state before the consumers start (the runtime starts them after `app.init()`). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.anomalyDetection || !this.store) return;
    await this.loadState();
    if (this.config.stateSaveMs > 0) {
      this.timer = setInterval(() => this.kick(), this.config.stateSaveMs);
      this.timer.unref();
    }
  }

  /** Saves the state once more (after a save in progress, if any). */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.config.anomalyDetection || !this.store) return;
    await this.saveState();
  }

  /**
   * Restores the saved state into the detectors; the number of tenant states restored. Never throws: a failed
   * load (logged) leaves the detectors empty, invalid or outdated states are ignored (logged).
   */
  async loadState(): Promise<number> {
    if (!this.store) return 0;
    let rows: AnomalyStateRow[];
    try {
      rows = await this.store.load();
    } catch (error: unknown) {
      this.logger.warn(`anomaly detector state not loaded, the baselines start empty: ${String(error)}`);
      return 0;
    }
    const byDetector = new Map<string, Record<string, unknown>>();
    for (const row of rows) {
      const tenants = byDetector.get(row.detector) ?? {};
      tenants[row.tenantId] = row.state;
      byDetector.set(row.detector, tenants);
    }
    let restored = 0;
    for (const [detector, tenants] of byDetector) {
      const kind = ANOMALY_KINDS.find((k) => k === detector);
      if (!kind) {
        this.logger.warn(`saved anomaly state of an unknown detector ignored: ${detector}`);
        continue;
      }
      const report = this.detectors[kind].restore(tenants);
      restored += report.restored;
      if (report.ignored.length > 0) {
        const first = report.ignored[0];
        this.logger.warn(
          `${kind}: saved state of ${report.ignored.length} tenant(s) ignored (first: ${first.tenantId}, ${first.reason})`,
        );
      }
    }
    if (rows.length > 0) this.logger.log(`anomaly detector state restored: ${restored} of ${rows.length}`);
    return restored;
  }

  /**
   * Saves every tenant's state (one save at a time: waits for the one in progress, then saves). False when it
   * failed (logged, never thrown).
   */
  async saveState(): Promise<boolean> {
    while (this.saving) await this.saving;
    const saving = this.save();
    this.saving = saving;
    try {
      return await saving;
    } finally {
      if (this.saving === saving) this.saving = undefined;
    }
  }

  /** A periodic save: skipped while one is in progress. */
  private kick(): void {
    if (this.saving) return;
    this.saveState().catch((error: unknown) => this.logger.warn(`anomaly state save: ${String(error)}`));
  }

  private async save(): Promise<boolean> {
    if (!this.store) return false;
    // Taken synchronously: a consistent cut of the state between two events.
    const rows: AnomalyStateRow[] = [];
    for (const kind of ANOMALY_KINDS) {
      for (const [tenantId, state] of Object.entries(this.detectors[kind].snapshot())) {
        rows.push({ detector: kind, tenantId, state });
      }
    }
    try {
      await this.store.save(rows);
      return true;
    } catch (error: unknown) {
      this.logger.warn(`anomaly detector state not saved (${rows.length} rows): ${String(error)}`);
      return false;
    }
  }

  /** Observes one sample of `event`; publishes the alert when it tips the detector. */
  async observe(
    kind: AnomalyKind,
    event: EventEnvelope<unknown>,
    sample: Omit<Sample, 'tenantId'>,
  ): Promise<AlertRaisedData | undefined> {
    if (!this.config.anomalyDetection) return undefined;
    const key = `${kind}:${event.id}`;
    let anomaly: Anomaly | undefined;
    if (this.memo.has(key)) {
      anomaly = this.memo.get(key);
    } else {
      anomaly = this.detectors[kind].observe({ ...sample, tenantId: event.tenantid });
      this.memo.set(key, anomaly);
      if (this.memo.size > MEMO_SIZE) this.memo.delete(this.memo.keys().next().value as string);
    }
    if (!anomaly) return undefined;
    const alert = this.toAlert(anomaly);
    this.logger.warn(`${anomaly.severity} ${kind} for tenant ${anomaly.tenantId}: ${alert.message}`);
    await this.publisher.publish(AlertRaised, alert, {
      tenantId: anomaly.tenantId,
      causation: event,
      id: AnomalyAlertIds.alertEvent(alert.alertId),
    });
    return alert;
  }

  private toAlert(a: Anomaly): AlertRaisedData {
    const detector = this.detectors[a.kind] as WindowShiftDetector | BurstDetector;
    return {
      alertId: AnomalyAlertIds.alert(a),
      conversationId: a.conversationId,
      ...(a.turnId === undefined ? {} : { turnId: a.turnId }),
      severity: a.severity,
      kind: a.kind,
      scope: 'tenant',
      message: describe(a),
      evidence: {
        scope: 'tenant',
        statistic: a.statistic,
        baseline: round(a.baseline),
        current: round(a.current),
        threshold: round(a.threshold),
        window: {
          start: new Date(a.windowStart).toISOString(),
          end: new Date(a.windowEnd).toISOString(),
          sampleCount: a.sampleCount,
        },
        baselineCount: a.baselineCount,
        exampleConversationIds: a.exampleConversationIds,
        exampleTurnIds: a.exampleTurnIds,
        detector: detector.options,
      },
      raisedAt: new Date(a.windowEnd).toISOString(),
    };
  }
}
