import {
  metrics,
  ValueType,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type ObservableGauge,
} from '@opentelemetry/api';

/**
 * The application's metrics: one catalog (names, types, units, attributes) and one small function per fact,
 * called where the fact is known. Instruments are created from the GLOBAL meter provider on first use (and
 * again if it changes, e.g. in tests): the API has no proxy provider, so instruments made before
 * `startTelemetry` would stay no-ops forever.
 *
 * Attributes are bounded on purpose: service, topic, consumer group, stage, outcome, model, prompt version,
 * error code, flag kind. Never tenant, conversation or turn ids, never text.
 */

export type MetricType = 'histogram' | 'counter' | 'gauge';

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: string;
  readonly description: string;
  readonly attributes: readonly string[];
}

/** Seconds: turn stages (tens of ms to tens of s) and message processing. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
/** Tokens per model call (semantic conventions' recommended boundaries, cut at 1M). */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
/** USD per turn. */
const COST_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** Scores in [0, 1]. */
const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];

export const METRICS = {
  turnStageDuration: {
    name: 'sales.turn.stage.duration',
    type: 'histogram',
    unit: 's',
    description: 'Latency of one stage of a turn (gateway, queue, tools, generation, evaluation, total)',
    attributes: ['stage', 'gen_ai.request.model', 'sales.prompt.version'],
  },
  turnFailures: {
    name: 'sales.turn.failures',
    type: 'counter',
    unit: '{turn}',
    description: 'Turns that ended with turn.failed, by failure code',
    attributes: ['error.type'],
  },
  turnCost: {
    name: 'sales.turn.cost',
    type: 'histogram',
    unit: 'USD',
    description: 'Model cost of a completed turn in US dollars',
    attributes: ['gen_ai.request.model', 'sales.prompt.version'],
  },
  tokenUsage: {
    name: 'gen_ai.client.token.usage',
    type: 'histogram',
    unit: '{token}',
    description: 'Tokens of one model call, by type (input, output, cache_read, cache_write)',
    attributes: ['gen_ai.token.type', 'gen_ai.provider.name', 'gen_ai.request.model', 'sales.prompt.version'],
  },
  operationDuration: {
    name: 'gen_ai.client.operation.duration',
    type: 'histogram',
    unit: 's',
    description: 'Duration of one model call (a step of the turn loop)',
    attributes: ['gen_ai.provider.name', 'gen_ai.request.model', 'sales.prompt.version'],
  },
  messageProcess: {
    name: 'sales.messaging.process.duration',
    type: 'histogram',
    unit: 's',
    description:
      'Time to process one consumed event; its count per outcome (handled, duplicate, skipped, dead_lettered, aborted, failed) is the throughput, error and DLQ counter',
    attributes: [
      'messaging.system',
      'messaging.destination.name',
      'messaging.consumer.group.name',
      'messaging.delivery.outcome',
    ],
  },
  consumerLag: {
    name: 'messaging.kafka.consumer.lag',
    type: 'gauge',
    unit: '{message}',
    description: 'Records of a partition not yet committed by the consumer group (high watermark - position)',
    attributes: [
      'messaging.consumer.group.name',
      'messaging.destination.name',
      'messaging.destination.partition.id',
    ],
  },
  groundedness: {
    name: 'sales.evaluation.groundedness',
    type: 'histogram',
    unit: '1',
    description: 'Groundedness score of evaluated replies (0-1)',
    attributes: ['sales.prompt.version'],
  },
  citationValidity: {
    name: 'sales.evaluation.citation_validity',
    type: 'histogram',
    unit: '1',
    description: 'Share of valid citations of evaluated replies (0-1)',
    attributes: ['sales.prompt.version'],
  },
  policyFlags: {
    name: 'sales.evaluation.policy_flags',
    type: 'counter',
    unit: '{flag}',
    description: 'Policy flags raised on replies or inputs, by kind and severity',
    attributes: ['sales.policy.kind', 'sales.policy.severity', 'sales.prompt.version'],
  },
} as const satisfies Record<string, MetricDefinition>;

/** The name Prometheus shows for a metric (the exporter's rule: dots become `_`, counters end in `_total`). */
export function prometheusName(metric: MetricDefinition): string {
  const base = metric.name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return metric.type === 'counter' ? `${base}_total` : base;
}

interface Instruments {
  readonly provider: MeterProvider;
  readonly turnStageDuration: Histogram;
  readonly turnFailures: Counter;
  readonly turnCost: Histogram;
  readonly tokenUsage: Histogram;
  readonly operationDuration: Histogram;
  readonly messageProcess: Histogram;
  readonly consumerLag: ObservableGauge;
  readonly groundedness: Histogram;
  readonly citationValidity: Histogram;
  readonly policyFlags: Counter;
}

function histogram(meter: Meter, metric: MetricDefinition, boundaries: number[]): Histogram {
  return meter.createHistogram(metric.name, {
    unit: metric.unit,
    description: metric.description,
    advice: { explicitBucketBoundaries: boundaries },
  });
}

function counter(meter: Meter, metric: MetricDefinition): Counter {
  return meter.createCounter(metric.name, {
    unit: metric.unit,
    description: metric.description,
    valueType: ValueType.INT,
  });
}

let current: Instruments | undefined;

function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (current?.provider === provider) return current;
  const meter = provider.getMeter('@lib/telemetry');
  const consumerLag = meter.createObservableGauge(METRICS.consumerLag.name, {
    unit: METRICS.consumerLag.unit,
    description: METRICS.consumerLag.description,
    valueType: ValueType.INT,
  });
  consumerLag.addCallback((result) => {
    for (const position of consumerPositions.values()) {
      if (position.highWatermark === undefined || position.next === undefined) continue;
      result.observe(Math.max(0, position.highWatermark - position.next), position.attributes);
    }
  });
  current = {
    provider,
    turnStageDuration: histogram(meter, METRICS.turnStageDuration, DURATION_BUCKETS),
    turnFailures: counter(meter, METRICS.turnFailures),
    turnCost: histogram(meter, METRICS.turnCost, COST_BUCKETS),
    tokenUsage: histogram(meter, METRICS.tokenUsage, TOKEN_BUCKETS),
    operationDuration: histogram(meter, METRICS.operationDuration, DURATION_BUCKETS),
    messageProcess: histogram(meter, METRICS.messageProcess, DURATION_BUCKETS),
    consumerLag,
    groundedness: histogram(meter, METRICS.groundedness, SCORE_BUCKETS),
    citationValidity: histogram(meter, METRICS.citationValidity, SCORE_BUCKETS),
    policyFlags: counter(meter, METRICS.policyFlags),
  };
  return current;
}

/** Metrics must never break the code they observe. */
function safely(record: () => void): void {
  try {
    record();
  } catch {
    // an SDK error is not the caller's problem
  }
}

function finite(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function withOptional(attributes: Attributes, optional: Record<string, string | undefined>): Attributes {
  const result: Attributes = { ...attributes };
  for (const [key, value] of Object.entries(optional)) if (value) result[key] = value;
  return result;
}

/** Stage names are code-defined; anything else (a bug) is folded into `other` to keep cardinality bounded. */
const STAGE_NAME = /^[a-z][a-z0-9_.:-]{0,47}$/;

export interface TurnLatency {
  /** Milliseconds per stage, e.g. `{ queue, tools, generation, evaluation, total }`. */
  readonly stages: Readonly<Record<string, number>>;
}

export interface ModelLabels {
  readonly model?: string;
  readonly promptVersion?: string;
}

/** One observation per stage of a turn, in seconds (`sales.turn.stage.duration{stage}`). */
export function recordTurnLatency(latency: TurnLatency, labels: ModelLabels = {}): void {
  safely(() => {
    const { turnStageDuration } = instruments();
    const common = withOptional(
      {},
      { 'gen_ai.request.model': labels.model, 'sales.prompt.version': labels.promptVersion },
    );
    for (const [stage, ms] of Object.entries(latency.stages)) {
      if (!finite(ms)) continue;
      turnStageDuration.record(ms / 1000, { ...common, stage: STAGE_NAME.test(stage) ? stage : 'other' });
    }
  });
}

/** A turn ended with `turn.failed` (`sales.turn.failures{error.type}`). */
export function recordTurnFailure(code: string): void {
  safely(() => instruments().turnFailures.add(1, { 'error.type': STAGE_NAME.test(code) ? code : 'other' }));
}

export interface ModelCallUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
}

export interface ModelCall extends ModelLabels {
  /** `gen_ai.provider.name`: `anthropic`, or `offline` for the built-in rule-based model. */
  readonly provider?: string;
  readonly usage: ModelCallUsage;
  readonly durationMs: number;
}

/** One model call: its tokens by type (`gen_ai.client.token.usage`) and duration (`gen_ai.client.operation.duration`). */
export function recordModelCall(call: ModelCall): void {
  safely(() => {
    const { tokenUsage, operationDuration } = instruments();
    const common = withOptional(
      {},
      {
        'gen_ai.provider.name': call.provider,
        'gen_ai.request.model': call.model,
        'sales.prompt.version': call.promptVersion,
      },
    );
    const tokens: [string, number | undefined][] = [
      ['input', call.usage.inputTokens],
      ['output', call.usage.outputTokens],
      ['cache_read', call.usage.cacheReadTokens],
      ['cache_write', call.usage.cacheWriteTokens],
    ];
    for (const [type, count] of tokens) {
      // Cache tokens are reported only when the call used the cache.
      if (!finite(count) || (type.startsWith('cache') && count === 0)) continue;
      tokenUsage.record(count, { ...common, 'gen_ai.token.type': type });
    }
    if (finite(call.durationMs)) operationDuration.record(call.durationMs / 1000, common);
  });
}

/** The model cost of a completed turn, in USD (`sales.turn.cost`). */
export function recordTurnCost(costUsd: number | undefined, labels: ModelLabels = {}): void {
  if (!finite(costUsd)) return;
  safely(() =>
    instruments().turnCost.record(
      costUsd,
      withOptional(
        {},
        { 'gen_ai.request.model': labels.model, 'sales.prompt.version': labels.promptVersion },
      ),
    ),
  );
}

export interface ProcessedMessage {
  readonly system: string;
  readonly topic: string;
  readonly consumerGroup: string;
  /** handled, duplicate, skipped, dead_lettered, aborted, or failed (dead-lettering itself failed). */
  readonly outcome: string;
  readonly durationMs: number;
}

/** One consumed event and what became of it (`sales.messaging.process.duration{messaging.delivery.outcome}`). */
export function recordMessageProcessed(message: ProcessedMessage): void {
  safely(() =>
    instruments().messageProcess.record(Math.max(0, message.durationMs) / 1000, {
      'messaging.system': message.system,
      'messaging.destination.name': message.topic,
      'messaging.consumer.group.name': message.consumerGroup,
      'messaging.delivery.outcome': message.outcome,
    }),
  );
}

interface ConsumerPosition {
  readonly attributes: Attributes;
  highWatermark?: number;
  /** The next offset the group will read (last committed + 1). */
  next?: number;
}

const consumerPositions = new Map<string, ConsumerPosition>();

function position(group: string, topic: string, partition: number): ConsumerPosition {
  const key = `${group}\u0000${topic}\u0000${partition}`;
  let found = consumerPositions.get(key);
  if (!found) {
    found = {
      attributes: {
        'messaging.consumer.group.name': group,
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(partition),
      },
    };
    consumerPositions.set(key, found);
    instruments(); // the gauge's callback must exist once there is something to observe
  }
  return found;
}

function offsetNumber(offset: string | number): number | undefined {
  const value = Number(offset);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * A fetched batch of a partition (kafkajs `START_BATCH_PROCESS`): its high watermark, and its first offset as
 * the position when nothing was committed yet. Feeds `messaging.kafka.consumer.lag`.
 */
export function recordConsumerFetch(
  group: string,
  batch: { topic: string; partition: number; highWatermark: string; firstOffset?: string },
): void {
  safely(() => {
    const entry = position(group, batch.topic, batch.partition);
    entry.highWatermark = offsetNumber(batch.highWatermark) ?? entry.highWatermark;
    if (entry.next === undefined && batch.firstOffset !== undefined)
      entry.next = offsetNumber(batch.firstOffset);
  });
}

/** The group committed `offset` of a partition (it will read `offset + 1` next). */
export function recordConsumerCommit(group: string, topic: string, partition: number, offset: string): void {
  safely(() => {
    const committed = offsetNumber(offset);
    if (committed === undefined) return;
    const entry = position(group, topic, partition);
    entry.next = Math.max(entry.next ?? 0, committed + 1);
    // A newer record than the fetched high watermark was committed: the watermark moved on.
    if (entry.highWatermark !== undefined && entry.highWatermark < entry.next)
      entry.highWatermark = entry.next;
  });
}

/** Forgets the consumer positions of a group (its transport closed). */
export function forgetConsumerGroup(group: string): void {
  for (const [key, entry] of consumerPositions) {
    if (entry.attributes['messaging.consumer.group.name'] === group) consumerPositions.delete(key);
  }
}

export interface EvaluationScores {
  readonly groundedness: number;
  readonly citationValidity: number;
}

/** Scores of an evaluated reply (`sales.evaluation.groundedness`, `sales.evaluation.citation_validity`). */
export function recordEvaluationScores(scores: EvaluationScores, labels: ModelLabels = {}): void {
  safely(() => {
    const { groundedness, citationValidity } = instruments();
    const attributes = withOptional({}, { 'sales.prompt.version': labels.promptVersion });
    if (finite(scores.groundedness)) groundedness.record(scores.groundedness, attributes);
    if (finite(scores.citationValidity)) citationValidity.record(scores.citationValidity, attributes);
  });
}

export interface PolicyFlag {
  readonly kind: string;
  readonly severity: string;
}

/** Policy flags raised on one reply (`sales.evaluation.policy_flags{sales.policy.kind, sales.policy.severity}`). */
export function recordPolicyFlags(flags: readonly PolicyFlag[], labels: ModelLabels = {}): void {
  if (flags.length === 0) return;
  safely(() => {
    const { policyFlags } = instruments();
    for (const flag of flags) {
      policyFlags.add(
        1,
        withOptional(
          {
            'sales.policy.kind': STAGE_NAME.test(flag.kind) ? flag.kind : 'other',
            'sales.policy.severity': STAGE_NAME.test(flag.severity) ? flag.severity : 'other',
          },
          { 'sales.prompt.version': labels.promptVersion },
        ),
      );
    }
  });
}
