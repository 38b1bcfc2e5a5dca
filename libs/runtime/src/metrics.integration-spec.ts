import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { ALL_TOPICS, newId, ReplyGenerated, toKafkaRecord, type ReplyGeneratedData } from '@lib/contracts';
import { evaluatorService } from '@lib/evaluation';
import { createEnvelope, ensureTopics } from '@lib/messaging';
import { METRICS, prometheusName, shutdownTelemetry, startTelemetry } from '@lib/telemetry';
import { createTestDatabase, type TestDatabase } from '@lib/testing';
import { startService, type RunningService } from './service-app';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

/**
 * A real service (the evaluator) as the runtime runs it, on the real broker and PostgreSQL, with
 * OpenTelemetry started as the service's entry point does: its own HTTP server answers `GET /metrics` in
 * Prometheus text format with the metrics of what it just processed.
 */
describe('GET /metrics on a running service', () => {
  const saved = { traces: process.env.OTEL_TRACES_EXPORTER, metrics: process.env.OTEL_METRICS_EXPORTER };
  let db: TestDatabase;
  let running: RunningService;
  let producer: Producer;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    // No collector here: only the Prometheus endpoint (what the e2e does with OTEL_METRICS_EXPORTER=none).
    process.env.OTEL_TRACES_EXPORTER = 'none';
    process.env.OTEL_METRICS_EXPORTER = 'none';
    startTelemetry('evaluator');
    db = await createTestDatabase('runtime_metrics');
    await ensureTopics(BROKERS, {
      partitions: 3,
      replicationFactor: 1,
      topics: ALL_TOPICS.map((t) => t.name),
    });
    const config = loadConfig(CommonConfigSchema, {
      DATABASE_URL: db.url,
      MESSAGING_TRANSPORT: 'kafka',
      KAFKA_BROKERS: BROKERS.join(','),
      KAFKA_CONSUMER_GROUP_PREFIX: `metrics-${newId()}.`,
      KAFKA_CONSUMER_FROM_BEGINNING: 'false',
      LOG_LEVEL: 'error',
      NODE_ENV: 'test',
    });
    running = await startService(evaluatorService, { config, migrateOnBoot: true, port: 0 });
    producer = new Kafka({
      brokers: BROKERS,
      clientId: 'metrics-test',
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await running?.stop();
    await db?.drop();
    await shutdownTelemetry();
    process.env.OTEL_TRACES_EXPORTER = saved.traces;
    process.env.OTEL_METRICS_EXPORTER = saved.metrics;
    if (saved.traces === undefined) delete process.env.OTEL_TRACES_EXPORTER;
    if (saved.metrics === undefined) delete process.env.OTEL_METRICS_EXPORTER;
  });

  const scrape = async (): Promise<{ status: number; type: string | null; text: string }> => {
    const response = await fetch(`${running.url}/metrics`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };

  /** The value of a sample line, e.g. `name{a="b",...} 3`, whose labels include all of `labels`. */
  const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? wanted.every((w) => l.includes(w)) : false,
      );
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  function reply(): ReplyGeneratedData {
    const now = Date.now();
    const toolCallId = newId();
    return {
      conversationId: newId(),
      turnId: newId(),
      replyId: newId(),
      kind: 'reply',
      text: 'Annual plans are credit-based: you get a discount on pre-paid credit.',
      citations: [
        { sourceId: 'kb:annual-plans#0', title: 'Annual plans', source: 'posthog/annual-plans.md' },
      ],
      grounding: [
        {
          sourceId: 'kb:annual-plans#0',
          kind: 'knowledge_base',
          toolCallId,
          title: 'Annual plans',
          source: 'posthog/annual-plans.md',
          text: 'Our annual plans are credit-based, meaning you get a discount on pre-paid PostHog credit.',
        },
      ],
      toolCallIds: [toolCallId],
      model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'metrics-test-v1' },
      usage: { inputTokens: 40, outputTokens: 25 },
      timing: {
        turnReceivedAt: new Date(now - 900).toISOString(),
        orchestrationStartedAt: new Date(now - 850).toISOString(),
        toolsMs: 300,
        generationMs: 400,
      },
      generatedAt: new Date(now - 100).toISOString(),
    };
  }

  it('serves the metrics of processed events in Prometheus text format', async () => {
    const records = [reply(), reply(), reply()].map((data) =>
      toKafkaRecord(
        ReplyGenerated,
        createEnvelope(ReplyGenerated, data, { tenantId: 'tenant-metrics' }, 'test'),
      ),
    );
    await producer.send({
      topic: ReplyGenerated.topic.name,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
    });

    const groundedness = prometheusName(METRICS.groundedness);
    const labels = { sales_prompt_version: 'metrics-test-v1' };
    let metrics = await scrape();
    const deadline = Date.now() + 30_000;
    while ((sample(metrics.text, `${groundedness}_count`, labels) ?? 0) < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      metrics = await scrape();
    }

    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain/);
    expect(metrics.text).toContain(`# TYPE ${groundedness} histogram`);
    expect(sample(metrics.text, `${groundedness}_count`, labels)).toBe(3);
    expect(sample(metrics.text, `${prometheusName(METRICS.citationValidity)}_count`, labels)).toBe(3);
    // Latency per stage, from the reply's timing: tools 0.3 s each.
    const stage = prometheusName(METRICS.turnStageDuration);
    expect(sample(metrics.text, `${stage}_count`, { ...labels, stage: 'tools' })).toBe(3);
    expect(sample(metrics.text, `${stage}_sum`, { ...labels, stage: 'tools' })).toBeCloseTo(0.9, 6);
    for (const name of ['queue', 'generation', 'evaluation', 'total']) {
      expect(sample(metrics.text, `${stage}_count`, { ...labels, stage: name })).toBe(3);
    }
    // The consumer side: processed events by topic and outcome, and the group's lag on the topic.
    const processed = prometheusName(METRICS.messageProcess);
    expect(
      sample(metrics.text, `${processed}_count`, {
        messaging_system: 'kafka',
        messaging_destination_name: ReplyGenerated.topic.name,
        messaging_delivery_outcome: 'handled',
      }),
    ).toBeGreaterThanOrEqual(3);
    const lag = prometheusName(METRICS.consumerLag);
    expect(metrics.text).toContain(`# TYPE ${lag} gauge`);
    expect(sample(metrics.text, lag, { messaging_destination_name: ReplyGenerated.topic.name })).toBe(0);
    // The resource identifies the service.
    expect(metrics.text).toMatch(/target_info\{[^}]*service_name="evaluator"/);
  });

  it('leaves /health alone and is not part of the public API', async () => {
    expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${running.url}/metrics/other`)).status).toBe(404);
  });
});
