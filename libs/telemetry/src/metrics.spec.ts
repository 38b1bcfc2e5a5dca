import { metrics as api } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/sdk-node';
import {
  forgetConsumerGroup,
  METRICS,
  prometheusName,
  recordConsumerCommit,
  recordConsumerFetch,
  recordEvaluationScores,
  recordMessageProcessed,
  recordModelCall,
  recordPolicyFlags,
  recordTurnCost,
  recordTurnFailure,
  recordTurnLatency,
} from './metrics';

class TestReader extends metrics.MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Point {
  readonly attributes: Record<string, unknown>;
  readonly value: number | { count: number; sum?: number };
}

describe('application metrics', () => {
  let reader: TestReader;
  let provider: metrics.MeterProvider;

  beforeEach(() => {
    reader = new TestReader();
    provider = new metrics.MeterProvider({ readers: [reader] });
    api.setGlobalMeterProvider(provider);
  });

  afterEach(async () => {
    api.disable();
    await provider.shutdown();
  });

  async function points(name: string): Promise<Point[]> {
    const { resourceMetrics } = await reader.collect();
    const found = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name);
    return found.flatMap((metric) => metric.dataPoints as Point[]);
  }

  const histogram = (point: Point | undefined): { count: number; sum?: number } =>
    point?.value as { count: number; sum?: number };

  it('records one turn latency observation per stage, in seconds, with model and prompt version', async () => {
    recordTurnLatency(
      { stages: { queue: 120, tools: 800, generation: 1500, evaluation: 40, total: 2500 } },
      { model: 'claude-sonnet-4-5', promptVersion: 'sales-assistant-v2' },
    );
    const found = await points(METRICS.turnStageDuration.name);
    expect(found.map((p) => p.attributes.stage).sort()).toEqual([
      'evaluation',
      'generation',
      'queue',
      'tools',
      'total',
    ]);
    const tools = found.find((p) => p.attributes.stage === 'tools');
    expect(histogram(tools)).toMatchObject({ count: 1, sum: 0.8 });
    expect(tools?.attributes).toEqual({
      stage: 'tools',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'sales.prompt.version': 'sales-assistant-v2',
    });
  });

  it('skips invalid durations and folds unexpected stage names into "other" (bounded cardinality)', async () => {
    recordTurnLatency({ stages: { total: Number.NaN, queue: -5, 'Free text with spaces!': 10 } });
    const found = await points(METRICS.turnStageDuration.name);
    expect(found.map((p) => p.attributes.stage)).toEqual(['other']);
  });

  it('counts turn failures by code', async () => {
    recordTurnFailure('model_timeout');
    recordTurnFailure('model_timeout');
    recordTurnFailure('invalid_model_output');
    const found = await points(METRICS.turnFailures.name);
    const byCode = Object.fromEntries(found.map((p) => [p.attributes['error.type'], p.value]));
    expect(byCode).toEqual({ model_timeout: 2, invalid_model_output: 1 });
  });

  it('records tokens per type and the call duration; cache types only when used', async () => {
    recordModelCall({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      promptVersion: 'v1',
      usage: { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 4000, cacheWriteTokens: 0 },
      durationMs: 1500,
    });
    const tokens = await points(METRICS.tokenUsage.name);
    const byType = Object.fromEntries(
      tokens.map((p) => [p.attributes['gen_ai.token.type'], histogram(p).sum]),
    );
    expect(byType).toEqual({ input: 1200, output: 300, cache_read: 4000 });
    expect(tokens[0].attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-haiku-4-5',
    });
    const duration = await points(METRICS.operationDuration.name);
    expect(histogram(duration[0])).toMatchObject({ count: 1, sum: 1.5 });
  });

  it('records the cost of a turn in USD, and nothing for an unknown cost', async () => {
    recordTurnCost(0.0123, { model: 'claude-sonnet-4-5' });
    recordTurnCost(undefined, { model: 'claude-sonnet-4-5' });
    const found = await points(METRICS.turnCost.name);
    expect(histogram(found[0])).toMatchObject({ count: 1, sum: 0.0123 });
  });

  it('records processed messages by topic and outcome, dead letters included', async () => {
    const base = { system: 'kafka', topic: 'conversation.turns', consumerGroup: 'orchestrator' };
    recordMessageProcessed({ ...base, outcome: 'handled', durationMs: 20 });
    recordMessageProcessed({ ...base, outcome: 'handled', durationMs: 30 });
    recordMessageProcessed({ ...base, outcome: 'dead_lettered', durationMs: 900 });
    const found = await points(METRICS.messageProcess.name);
    const counts = Object.fromEntries(
      found.map((p) => [p.attributes['messaging.delivery.outcome'], histogram(p).count]),
    );
    expect(counts).toEqual({ handled: 2, dead_lettered: 1 });
    expect(found[0].attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'conversation.turns',
      'messaging.consumer.group.name': 'orchestrator',
    });
  });

  it('reports consumer lag as high watermark minus the committed position, per partition', async () => {
    const group = 'lag-test';
    recordConsumerFetch(group, { topic: 't', partition: 0, highWatermark: '110', firstOffset: '100' });
    recordConsumerFetch(group, { topic: 't', partition: 1, highWatermark: '7', firstOffset: '5' });
    let lag = await points(METRICS.consumerLag.name);
    const byPartition = (): Record<string, unknown> =>
      Object.fromEntries(
        lag.map((p): [string, unknown] => [
          String(p.attributes['messaging.destination.partition.id']),
          p.value,
        ]),
      );
    expect(byPartition()).toEqual({ '0': 10, '1': 2 });

    recordConsumerCommit(group, 't', 0, '104'); // next read: 105
    recordConsumerCommit(group, 't', 1, '6'); // caught up
    lag = await points(METRICS.consumerLag.name);
    expect(byPartition()).toEqual({ '0': 5, '1': 0 });

    recordConsumerFetch(group, { topic: 't', partition: 0, highWatermark: '150', firstOffset: '105' });
    lag = await points(METRICS.consumerLag.name);
    expect(byPartition()).toEqual({ '0': 45, '1': 0 });

    // The transport closed: a new member of the group starts from what it fetches, not the old position.
    forgetConsumerGroup(group);
    recordConsumerFetch(group, { topic: 't', partition: 0, highWatermark: '200', firstOffset: '190' });
    lag = await points(METRICS.consumerLag.name);
    expect(byPartition()['0']).toBe(10);
  });

  it('records evaluation scores and counts policy flags by kind and severity', async () => {
    recordEvaluationScores({ groundedness: 0.75, citationValidity: 1 }, { promptVersion: 'v2' });
    recordPolicyFlags(
      [
        { kind: 'unbacked_price', severity: 'critical' },
        { kind: 'unbacked_price', severity: 'critical' },
        { kind: 'off_topic', severity: 'info' },
      ],
      { promptVersion: 'v2' },
    );
    recordPolicyFlags([]);
    const groundedness = await points(METRICS.groundedness.name);
    expect(histogram(groundedness[0])).toMatchObject({ count: 1, sum: 0.75 });
    expect(groundedness[0].attributes).toEqual({ 'sales.prompt.version': 'v2' });
    const citations = await points(METRICS.citationValidity.name);
    expect(histogram(citations[0])).toMatchObject({ count: 1, sum: 1 });
    const flags = await points(METRICS.policyFlags.name);
    const byKind = Object.fromEntries(
      flags.map((p) => [
        `${String(p.attributes['sales.policy.kind'])}/${String(p.attributes['sales.policy.severity'])}`,
        p.value,
      ]),
    );
    expect(byKind).toEqual({ 'unbacked_price/critical': 2, 'off_topic/info': 1 });
  });

  it('follows a new global meter provider (instruments are not bound to the first one)', async () => {
    recordTurnFailure('model_failed');
    api.disable();
    const second = new TestReader();
    const other = new metrics.MeterProvider({ readers: [second] });
    api.setGlobalMeterProvider(other);
    recordTurnFailure('model_failed');
    const { resourceMetrics } = await second.collect();
    const failures = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === METRICS.turnFailures.name);
    expect(failures?.dataPoints.map((p) => p.value)).toEqual([1]);
    await other.shutdown();
  });

  it('never throws, even without a meter provider', () => {
    api.disable();
    expect(() => recordTurnLatency({ stages: { total: 10 } })).not.toThrow();
    expect(() => recordPolicyFlags([{ kind: 'pii_leak', severity: 'critical' }])).not.toThrow();
  });

  it('names metrics as the Prometheus exporter does', () => {
    expect(prometheusName(METRICS.turnStageDuration)).toBe('sales_turn_stage_duration');
    expect(prometheusName(METRICS.policyFlags)).toBe('sales_evaluation_policy_flags_total');
    expect(prometheusName(METRICS.tokenUsage)).toBe('gen_ai_client_token_usage');
  });
});
