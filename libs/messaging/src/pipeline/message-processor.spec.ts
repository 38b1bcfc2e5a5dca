import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  AnalysisCompleted,
  ToolCompleted,
  ToolRequested,
  Topics,
  newId,
  toKafkaRecord,
  type EventEnvelope,
  type KafkaRecord,
} from '@lib/contracts';
import { DefaultEventPublisher } from '../default-event-publisher';
import { DeadLetterHeaders, RecordSink } from '../delivery';
import { createEnvelope } from '../envelope';
import { InMemoryInboxStore } from '../in-memory-inbox-store';
import { PermanentError } from './errors';
import type { IncomingRecord } from './incoming-record';
import { MessageProcessor, type EventHandlerInvoker } from './message-processor';

class CapturingSink extends RecordSink {
  readonly sent: { topic: string; record: KafkaRecord }[] = [];
  async send(topic: string, records: KafkaRecord[]): Promise<void> {
    for (const record of records) this.sent.push({ topic, record });
  }
}

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager().enable();

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(contextManager);
});

afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

const toolRequest = (conversationId = newId()) => ({
  conversationId,
  turnId: newId(),
  toolCallId: newId(),
  tool: 'crm.lookup_prospect',
  arguments: { email: 'ada@example.com' },
  requestedAt: new Date().toISOString(),
});

function incoming(record: KafkaRecord, offset = 41): IncomingRecord {
  return { topic: Topics.tools.name, partition: 2, offset: String(offset), ...record };
}

function processor(
  handlers: Record<string, EventHandlerInvoker>,
  overrides: Partial<ConstructorParameters<typeof MessageProcessor>[0]> = {},
): { processor: MessageProcessor; dlq: CapturingSink } {
  const dlq = new CapturingSink();
  return {
    dlq,
    processor: new MessageProcessor({
      consumerGroup: 'tool-runner',
      system: 'kafka',
      findHandler: (type) => handlers[type],
      deadLetters: dlq,
      retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 5 },
      logger: { log: jest.fn(), warn: jest.fn(), error: jest.fn() },
      ...overrides,
    }),
  };
}

describe('MessageProcessor', () => {
  it('continues the producer trace in a CONSUMER span, and events the handler publishes continue it too', async () => {
    const tracer = trace.getTracer('test');
    const outgoing = new CapturingSink();
    const publisher = new DefaultEventPublisher('/sales-agent/tool-runner', outgoing);
    let record: KafkaRecord | undefined;
    const producerSpan = tracer.startSpan('gateway produce');
    await context.with(trace.setSpan(context.active(), producerSpan), async () => {
      const envelope = createEnvelope(
        ToolRequested,
        toolRequest(),
        { tenantId: 'tenant-7' },
        '/sales-agent/orch',
      );
      record = toKafkaRecord(ToolRequested, envelope);
    });
    producerSpan.end();
    if (!record) throw new Error('no record');

    let handlerSpanId: string | undefined;
    const { processor: p } = processor({
      [ToolRequested.type]: async (envelope) => {
        handlerSpanId = trace.getActiveSpan()?.spanContext().spanId;
        const request = envelope.data as ReturnType<typeof toolRequest>;
        await publisher.publish(
          ToolCompleted,
          { ...request, result: { found: true }, durationMs: 3, completedAt: new Date().toISOString() },
          { tenantId: envelope.tenantid, causation: envelope },
        );
      },
    });
    await expect(p.process(incoming(record))).resolves.toBe('handled');

    const consumerSpan = exporter.getFinishedSpans().find((s) => s.name === `${Topics.tools.name} process`);
    expect(consumerSpan).toBeDefined();
    if (!consumerSpan) return;
    expect(consumerSpan.kind).toBe(SpanKind.CONSUMER);
    expect(consumerSpan.spanContext().traceId).toBe(producerSpan.spanContext().traceId);
    expect(consumerSpan.parentSpanContext?.spanId).toBe(producerSpan.spanContext().spanId);
    expect(consumerSpan.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': Topics.tools.name,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'tool-runner',
      'messaging.message.id': record.headers.ce_id,
      'cloudevents.event_type': ToolRequested.type,
      'tenant.id': 'tenant-7',
    });
    expect(handlerSpanId).toBe(consumerSpan.spanContext().spanId);
    const [traceId, parentId] = (outgoing.sent[0].record.headers.traceparent ?? '').split('-').slice(1, 3);
    expect(traceId).toBe(producerSpan.spanContext().traceId);
    expect(parentId).toBe(consumerSpan.spanContext().spanId);
  });

  it('records every failed attempt on the span and marks a dead-lettered record as an error', async () => {
    const record = toKafkaRecord(
      ToolRequested,
      createEnvelope(ToolRequested, toolRequest(), { tenantId: 't' }, '/s'),
    );
    const { processor: p, dlq } = processor({
      [ToolRequested.type]: async () => {
        throw new Error('tool backend unavailable');
      },
    });
    await expect(p.process(incoming(record))).resolves.toBe('dead_lettered');

    const [span] = exporter.getFinishedSpans();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(4);
    expect(dlq.sent).toHaveLength(1);
    expect(dlq.sent[0].topic).toBe(`${Topics.tools.name}.dlq`);
    expect(dlq.sent[0].record.headers).toMatchObject({
      [DeadLetterHeaders.reason]: 'handler_failed',
      [DeadLetterHeaders.attempts]: '4',
      [DeadLetterHeaders.originalPartition]: '2',
      [DeadLetterHeaders.originalOffset]: '41',
      [DeadLetterHeaders.error]: 'Error: tool backend unavailable',
    });
  });

  it('acknowledges an event of the topic that this service has no handler for', async () => {
    const completed = createEnvelope(
      ToolCompleted,
      { ...toolRequest(), result: null, durationMs: 1, completedAt: new Date().toISOString() },
      { tenantId: 't' },
      '/s',
    );
    const handled: EventEnvelope[] = [];
    const { processor: p, dlq } = processor({ [ToolRequested.type]: async (e) => void handled.push(e) });
    await expect(p.process(incoming(toKafkaRecord(ToolCompleted, completed)))).resolves.toBe('skipped');
    expect(handled).toHaveLength(0);
    expect(dlq.sent).toHaveLength(0);
  });

  it('dead-letters a record without a CloudEvents type, and one of a type no contract defines', async () => {
    const { processor: p, dlq } = processor({});
    const valid = toKafkaRecord(
      ToolRequested,
      createEnvelope(ToolRequested, toolRequest(), { tenantId: 't' }, '/s'),
    );
    const { ce_type: _type, ...withoutType } = valid.headers;
    await expect(p.process(incoming({ ...valid, headers: withoutType }))).resolves.toBe('dead_lettered');
    await expect(
      p.process(incoming({ ...valid, headers: { ...valid.headers, ce_type: 'io.salesagent.unknown.v1' } })),
    ).resolves.toBe('dead_lettered');
    expect(dlq.sent.map((d) => d.record.headers[DeadLetterHeaders.reason])).toEqual([
      'invalid_event',
      'invalid_event',
    ]);
    expect(dlq.sent[1].record.headers[DeadLetterHeaders.error]).toContain('unknown event type');
  });

  it('treats zod errors thrown by a handler as permanent', async () => {
    let calls = 0;
    const { processor: p, dlq } = processor({
      [ToolRequested.type]: async () => {
        calls += 1;
        AnalysisCompleted.schema.parse({});
      },
    });
    const record = toKafkaRecord(
      ToolRequested,
      createEnvelope(ToolRequested, toolRequest(), { tenantId: 't' }, '/s'),
    );
    await expect(p.process(incoming(record))).resolves.toBe('dead_lettered');
    expect(calls).toBe(1);
    expect(dlq.sent[0].record.headers[DeadLetterHeaders.attempts]).toBe('1');
    expect(dlq.sent[0].record.headers[DeadLetterHeaders.error]).toMatch(/^ZodError: .*analysis: /);
  });

  it('logs instead of publishing when dead letters are not published (broadcast consumers)', async () => {
    const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const { processor: p } = processor(
      {
        [ToolRequested.type]: async () => {
          throw new PermanentError('cannot relay');
        },
      },
      { deadLetters: 'log', logger },
    );
    const record = toKafkaRecord(
      ToolRequested,
      createEnvelope(ToolRequested, toolRequest(), { tenantId: 't' }, '/s'),
    );
    await expect(p.process(incoming(record))).resolves.toBe('dead_lettered');
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('PermanentError: cannot relay'));
  });

  it('stops retrying when the transport closes, leaving the record neither handled nor dead-lettered', async () => {
    const abort = new AbortController();
    let calls = 0;
    const { processor: p, dlq } = processor(
      {
        [ToolRequested.type]: async () => {
          calls += 1;
          abort.abort();
          throw new Error('failing while the service shuts down');
        },
      },
      { retry: { maxAttempts: 5, initialDelayMs: 1, maxDelayMs: 1 } },
    );
    const record = toKafkaRecord(
      ToolRequested,
      createEnvelope(ToolRequested, toolRequest(), { tenantId: 't' }, '/s'),
    );
    await expect(p.process(incoming(record), abort.signal)).resolves.toBe('aborted');
    expect(calls).toBe(1);
    expect(dlq.sent).toHaveLength(0);
  });

  it('reports a duplicate from the inbox without calling the handler again', async () => {
    let calls = 0;
    const { processor: p } = processor(
      { [ToolRequested.type]: async () => void (calls += 1) },
      { inbox: new InMemoryInboxStore() },
    );
    const record = toKafkaRecord(
      ToolRequested,
      createEnvelope(ToolRequested, toolRequest(), { tenantId: 't' }, '/s'),
    );
    await expect(p.process(incoming(record, 1))).resolves.toBe('handled');
    await expect(p.process(incoming(record, 2))).resolves.toBe('duplicate');
    expect(calls).toBe(1);
  });

  it('throws when dead-lettering itself fails, so the transport does not commit the record', async () => {
    class BrokenSink extends RecordSink {
      async send(): Promise<void> {
        throw new Error('broker unreachable');
      }
    }
    const { processor: p } = processor({}, { deadLetters: new BrokenSink() });
    const record = toKafkaRecord(
      ToolRequested,
      createEnvelope(ToolRequested, toolRequest(), { tenantId: 't' }, '/s'),
    );
    await expect(p.process(incoming({ ...record, value: Buffer.from('nope') }))).rejects.toThrow(
      'broker unreachable',
    );
  });
});
