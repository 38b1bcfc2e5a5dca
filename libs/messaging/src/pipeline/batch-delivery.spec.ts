import { AsyncLocalStorage } from 'node:async_hooks';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  ToolCompleted,
  ToolRequested,
  Topics,
  newId,
  toKafkaRecord,
  type EnvelopeOf,
  type EventEnvelope,
  type KafkaRecord,
} from '@lib/contracts';
import { DeadLetterHeaders, InboxStore, RecordSink } from '../delivery';
import { createEnvelope } from '../envelope';
import { InMemoryInboxStore } from '../in-memory-inbox-store';
import {
  TransactionLimiter,
  chunkRecords,
  conversationLockKey,
  deliverChunk,
  resolveBatchOptions,
  type ChunkResult,
  type LockKeys,
} from './batch-delivery';
import type { IncomingRecord } from './incoming-record';
import { MessageProcessor } from './message-processor';

class CapturingSink extends RecordSink {
  readonly sent: { topic: string; record: KafkaRecord }[] = [];
  async send(topic: string, records: KafkaRecord[]): Promise<void> {
    for (const record of records) this.sent.push({ topic, record });
  }
}

interface Transaction {
  readonly ids: Set<string>;
  readonly effects: string[];
}

/**
 * An inbox with transactions, like PostgresInboxStore: `runOnce` joins the active transaction, a rejection
 * rolls back the inbox entries and the effects written inside it. `failCommit` makes the next COMMIT fail
 * (a serialization failure, a deadlock).
 */
class TransactionalInbox extends InboxStore {
  readonly processed = new Set<string>();
  /** Committed effects, in commit order. */
  readonly effects: string[] = [];
  /** Records (runOnce calls) per committed transaction. */
  readonly committed: number[] = [];
  rollbacks = 0;
  failCommit = false;
  private readonly active = new AsyncLocalStorage<Transaction>();

  write(effect: string): void {
    const tx = this.active.getStore();
    if (!tx) throw new Error('effects are written inside a transaction');
    tx.effects.push(effect);
  }

  async runOnce(
    _consumer: string,
    event: EventEnvelope<unknown>,
    work: () => Promise<void>,
  ): Promise<'processed' | 'duplicate'> {
    const tx = this.active.getStore();
    if (!tx) return this.runInTransaction(() => this.runOnce(_consumer, event, work));
    if (this.processed.has(event.id) || tx.ids.has(event.id)) return 'duplicate';
    tx.ids.add(event.id);
    await work();
    return 'processed';
  }

  override async runInTransaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.active.getStore()) return work();
    const tx: Transaction = { ids: new Set(), effects: [] };
    try {
      const result = await this.active.run(tx, work);
      if (this.failCommit) {
        this.failCommit = false;
        throw new Error('could not serialize access due to concurrent update');
      }
      for (const id of tx.ids) this.processed.add(id);
      this.effects.push(...tx.effects);
      this.committed.push(tx.ids.size);
      return result;
    } catch (error) {
      this.rollbacks += 1;
      throw error;
    }
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

const TOPIC = Topics.tools.name;

type ToolRequest = EnvelopeOf<typeof ToolRequested>;

function toolRequested(): ToolRequest {
  return createEnvelope(
    ToolRequested,
    {
      conversationId: newId(),
      turnId: newId(),
      toolCallId: newId(),
      tool: 'crm.lookup_prospect',
      arguments: { email: 'ada@example.com' },
      requestedAt: new Date().toISOString(),
    },
    { tenantId: 'tenant-7' },
    '/sales-agent/orchestrator',
  );
}

/** Consecutive records of partition 1 from offset 100. */
function records(...envelopes: (ToolRequest | KafkaRecord)[]): IncomingRecord[] {
  return envelopes.map((e, i) => ({
    topic: TOPIC,
    partition: 1,
    offset: String(100 + i),
    ...('specversion' in e ? toKafkaRecord(ToolRequested, e) : e),
  }));
}

interface Harness {
  readonly processor: MessageProcessor;
  readonly dlq: CapturingSink;
  /** Handler calls (event ids), rolled back or not. */
  readonly calls: string[];
  /** Offsets the transport would commit after. */
  readonly commits: string[];
  /** The span active in the handler, by event id. */
  readonly handlerSpans: Map<string, string | undefined>;
  deliver(
    chunk: IncomingRecord[],
    stopped?: () => boolean,
    limiter?: TransactionLimiter,
  ): Promise<ChunkResult>;
}

function harness(inbox: InboxStore, poison = new Set<string>()): Harness {
  const dlq = new CapturingSink();
  const calls: string[] = [];
  const commits: string[] = [];
  const handlerSpans = new Map<string, string | undefined>();
  const processor = new MessageProcessor({
    consumerGroup: 'persistence',
    system: 'kafka',
    findHandler: (type) =>
      type === ToolRequested.type
        ? async (envelope) => {
            calls.push(envelope.id);
            handlerSpans.set(envelope.id, trace.getActiveSpan()?.spanContext().spanId);
            if (poison.has(envelope.id)) throw new Error(`cannot store ${envelope.id}`);
            if (inbox instanceof TransactionalInbox) inbox.write(envelope.id);
          }
        : undefined,
    inbox,
    deadLetters: dlq,
    retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
    logger: { log: jest.fn(), warn: jest.fn(), error: jest.fn() },
  });
  return {
    processor,
    dlq,
    calls,
    commits,
    handlerSpans,
    deliver: (chunk, stopped = () => false, limiter) =>
      deliverChunk({
        processor,
        records: chunk,
        stopped,
        limiter,
        done: async (last) => void commits.push(last.offset),
        logger: { log: jest.fn(), warn: jest.fn(), error: jest.fn() },
      }),
  };
}

describe('chunkRecords', () => {
  it('splits a partition into consecutive chunks of at most maxRecords, in order', () => {
    expect(chunkRecords([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunkRecords([1, 2, 3], 100)).toEqual([[1, 2, 3]]);
    expect(chunkRecords([], 10)).toEqual([]);
  });

  it('rejects a chunk size that is not a positive integer', () => {
    expect(() => chunkRecords([1], 0)).toThrow('maxRecords must be a positive integer, got 0');
    expect(() => resolveBatchOptions({ maxRecords: 2.5 })).toThrow('batch.maxRecords');
  });
});

describe('deliverChunk', () => {
  it('handles a chunk in one transaction and reports it done once, after the commit', async () => {
    const inbox = new TransactionalInbox();
    const h = harness(inbox);
    const events = [toolRequested(), toolRequested(), toolRequested()];

    const result = await h.deliver(records(...events));

    expect(result).toEqual({ path: 'transaction', done: 3 });
    expect(inbox.committed).toEqual([3]);
    expect(inbox.effects).toEqual(events.map((e) => e.id));
    expect(h.commits).toEqual(['102']);
  });

  it('gives each record its own consumer span continuing its producer trace, under one chunk span', async () => {
    const inbox = new TransactionalInbox();
    const h = harness(inbox);
    const tracer = trace.getTracer('test');
    const producer = tracer.startSpan('gateway produce');
    const traced = context.with(trace.setSpan(context.active(), producer), () => toolRequested());
    producer.end();
    await h.deliver(records(traced, toolRequested()));

    const spans = exporter.getFinishedSpans().filter((s) => s.name === `${TOPIC} process`);
    const chunk = spans.find((s) => s.attributes['messaging.batch.message_count'] === 2);
    const perRecord = spans.filter((s) => s.attributes['messaging.message.id'] !== undefined);
    expect(chunk?.kind).toBe(SpanKind.CONSUMER);
    expect(chunk?.links.map((l) => l.context.spanId)).toContain(producer.spanContext().spanId);
    expect(perRecord).toHaveLength(2);
    const first = perRecord.find((s) => s.attributes['messaging.message.id'] === traced.id);
    expect(first?.spanContext().traceId).toBe(producer.spanContext().traceId);
    expect(first?.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(first?.attributes['messaging.delivery.outcome']).toBe('handled');
    expect(h.handlerSpans.get(traced.id)).toBe(first?.spanContext().spanId);
  });

  it('stores a duplicate inside the chunk once', async () => {
    const inbox = new TransactionalInbox();
    const h = harness(inbox);
    const [a, b] = [toolRequested(), toolRequested()];

    const result = await h.deliver(records(a, b, a));

    expect(result.path).toBe('transaction');
    expect(inbox.effects).toEqual([a.id, b.id]);
    expect(h.calls).toEqual([a.id, b.id]);
    expect(h.commits).toEqual(['102']);
  });

  it('rolls back a chunk with a failing handler, then delivers it record by record: the poison one is dead-lettered, the others stored once', async () => {
    const inbox = new TransactionalInbox();
    const [a, poison, c] = [toolRequested(), toolRequested(), toolRequested()];
    const h = harness(inbox, new Set([poison.id]));

    const result = await h.deliver(records(a, poison, c));

    expect(result.path).toBe('records');
    expect(result.done).toBe(3);
    expect(result.fallbackReason).toContain(`${TOPIC}[1]@101 (${ToolRequested.type}) failed`);
    expect(inbox.effects).toEqual([a.id, c.id]);
    // The chunk's attempt, then a and c once each, the poison one twice (maxAttempts 2).
    expect(h.calls).toEqual([a.id, poison.id, a.id, poison.id, poison.id, c.id]);
    expect(inbox.committed).toEqual([1, 1]);
    expect(h.commits).toEqual(['100', '101', '102']);
    expect(h.dlq.sent).toHaveLength(1);
    expect(h.dlq.sent[0].record.headers).toMatchObject({
      [DeadLetterHeaders.reason]: 'handler_failed',
      [DeadLetterHeaders.originalOffset]: '101',
      [DeadLetterHeaders.attempts]: '2',
      [DeadLetterHeaders.error]: `Error: cannot store ${poison.id}`,
    });
    const rolledBack = exporter
      .getFinishedSpans()
      .filter((s) => s.attributes['messaging.delivery.outcome'] === 'rolled_back');
    expect(rolledBack).toHaveLength(3);
    expect(rolledBack.find((s) => s.attributes['messaging.message.id'] === poison.id)?.status.code).toBe(
      SpanStatusCode.ERROR,
    );
  });

  it('delivers a chunk with an invalid record one by one without opening its transaction', async () => {
    const inbox = new TransactionalInbox();
    const h = harness(inbox);
    const [a, c] = [toolRequested(), toolRequested()];
    const invalid = {
      ...toKafkaRecord(ToolRequested, toolRequested()),
      value: Buffer.from('{'),
    };

    const result = await h.deliver(records(a, invalid, c));

    expect(result.path).toBe('records');
    expect(result.fallbackReason).toContain(`${TOPIC}[1]@101 is invalid`);
    expect(inbox.rollbacks).toBe(0);
    expect(inbox.effects).toEqual([a.id, c.id]);
    expect(h.dlq.sent.map((d) => d.record.headers[DeadLetterHeaders.reason])).toEqual(['invalid_event']);
    expect(h.commits).toEqual(['100', '101', '102']);
  });

  it('falls back to record by record when the COMMIT fails (serialization failure, deadlock)', async () => {
    const inbox = new TransactionalInbox();
    const h = harness(inbox);
    const events = [toolRequested(), toolRequested()];
    inbox.failCommit = true;

    const result = await h.deliver(records(...events));

    expect(result.path).toBe('records');
    expect(result.fallbackReason).toContain('the transaction failed to commit');
    expect(inbox.effects).toEqual(events.map((e) => e.id));
    expect(inbox.committed).toEqual([1, 1]);
    expect(h.dlq.sent).toHaveLength(0);
  });

  it('acknowledges records of types without a handler inside the transaction', async () => {
    const inbox = new TransactionalInbox();
    const h = harness(inbox);
    const request = toolRequested();
    const completed = createEnvelope(
      ToolCompleted,
      {
        conversationId: request.data.conversationId,
        turnId: request.data.turnId,
        toolCallId: request.data.toolCallId,
        tool: request.data.tool,
        result: null,
        durationMs: 1,
        completedAt: new Date().toISOString(),
      },
      { tenantId: 't' },
      '/s',
    );
    const chunk = records(request, toKafkaRecord(ToolCompleted, completed));

    await expect(h.deliver(chunk)).resolves.toEqual({ path: 'transaction', done: 2 });
    expect(inbox.effects).toEqual([request.id]);
  });

  it('delivers record by record when the inbox has no transactions', async () => {
    const h = harness(new InMemoryInboxStore());
    const result = await h.deliver(records(toolRequested(), toolRequested()));
    expect(result).toEqual({ path: 'records', done: 2, fallbackReason: undefined });
    expect(h.commits).toEqual(['100', '101']);
  });

  it('stops between records when the transport stops, leaving the rest uncommitted', async () => {
    const inbox = new TransactionalInbox();
    const [a, poison, c] = [toolRequested(), toolRequested(), toolRequested()];
    const h = harness(inbox, new Set([poison.id]));

    const result = await h.deliver(records(a, poison, c), () => h.commits.length >= 1);

    expect(result.done).toBe(1);
    expect(h.commits).toEqual(['100']);
    expect(inbox.effects).toEqual([a.id]);
    expect(h.dlq.sent).toHaveLength(0);
    await expect(h.deliver(records(a), () => true)).resolves.toEqual({ path: 'records', done: 0 });
  });
});

describe('TransactionLimiter', () => {
  /** Work that runs until released; `running` says which ones are in progress. */
  function gatedWork(limiter: TransactionLimiter) {
    const running = new Set<string>();
    const releases = new Map<string, () => void>();
    let peak = 0;
    const start = (name: string, keys: LockKeys) =>
      limiter.run(keys, async () => {
        running.add(name);
        peak = Math.max(peak, running.size);
        await new Promise<void>((resolve) => releases.set(name, resolve));
        running.delete(name);
        return name;
      });
    const release = async (name: string): Promise<void> => {
      releases.get(name)?.();
      for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
    };
    return { running, start, release, peak: () => peak };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const keys = (...k: string[]) => new Set(k);

  it('runs chunks with disjoint lock keys at once, up to the limit', async () => {
    const w = gatedWork(new TransactionLimiter(2));
    const all = Promise.all([
      w.start('a', keys('c1', 'c2')),
      w.start('b', keys('c3')),
      w.start('c', keys('c4')),
    ]);
    await tick();
    expect([...w.running]).toEqual(['a', 'b']);
    await w.release('b');
    expect([...w.running].sort()).toEqual(['a', 'c']);
    await w.release('a');
    await w.release('c');
    await expect(all).resolves.toEqual(['a', 'b', 'c']);
    expect(w.peak()).toBe(2);
  });

  it('never runs two chunks sharing a lock key at once, and serves conflicting waiters in arrival order', async () => {
    const w = gatedWork(new TransactionLimiter(4));
    const a = w.start('a', keys('c1', 'c2'));
    await tick();
    // b conflicts with a; c conflicts only with b (waiting): c must not overtake b.
    const b = w.start('b', keys('c2', 'c3'));
    const c = w.start('c', keys('c3'));
    const d = w.start('d', keys('c9'));
    await tick();
    expect([...w.running].sort()).toEqual(['a', 'd']);
    await w.release('a');
    expect([...w.running].sort()).toEqual(['b', 'd']);
    await w.release('b');
    expect([...w.running].sort()).toEqual(['c', 'd']);
    await w.release('c');
    await w.release('d');
    await expect(Promise.all([a, b, c, d])).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs a chunk without lock keys alone', async () => {
    const w = gatedWork(new TransactionLimiter(4));
    const a = w.start('a', keys('c1'));
    const b = w.start('b', 'all');
    const c = w.start('c', keys('c2'));
    await tick();
    expect([...w.running]).toEqual(['a']);
    await w.release('a');
    expect([...w.running]).toEqual(['b']);
    await w.release('b');
    expect([...w.running]).toEqual(['c']);
    await w.release('c');
    await Promise.all([a, b, c]);
  });

  it('frees its slot when a transaction fails', async () => {
    const limiter = new TransactionLimiter(1);
    await expect(
      limiter.run('all', async () => {
        throw new Error('deadlock detected');
      }),
    ).rejects.toThrow('deadlock detected');
    await expect(limiter.run('all', async () => 'next')).resolves.toBe('next');
    expect(limiter.active).toBe(0);
    expect(() => new TransactionLimiter(0)).toThrow('positive integer');
  });

  it('lets a chunk that waited for its turn give up when the transport stopped meanwhile', async () => {
    const inbox = new TransactionalInbox();
    const h = harness(inbox);
    const limiter = new TransactionLimiter(1);
    let stopped = false;
    let release: () => void = () => undefined;
    const busy = limiter.run('all', () => new Promise<void>((resolve) => (release = resolve)));
    const waiting = h.deliver(records(toolRequested(), toolRequested()), () => stopped, limiter);
    await tick();
    stopped = true;
    release();
    await busy;

    await expect(waiting).resolves.toEqual({ path: 'transaction', done: 0 });
    expect(inbox.committed).toEqual([]);
    expect(h.commits).toEqual([]);
  });

  it("admits chunks by their events' conversations (conversationLockKey), tool events included", async () => {
    const inbox = new TransactionalInbox();
    const h = harness(inbox);
    const limiter = new TransactionLimiter(4);
    const seen: LockKeys[] = [];
    const run = limiter.run.bind(limiter);
    jest.spyOn(limiter, 'run').mockImplementation((k, work) => {
      seen.push(k);
      return run(k, work);
    });
    const [a, b] = [toolRequested(), toolRequested()];
    await deliverChunk({
      processor: h.processor,
      records: records(a, b),
      stopped: () => false,
      done: async () => undefined,
      limiter,
      lockKey: conversationLockKey,
    });
    expect(seen).toEqual([
      keys(`conversation:${a.data.conversationId}`, `conversation:${b.data.conversationId}`),
    ]);
    expect(conversationLockKey({ ...a, data: { noConversation: true } })).toBeUndefined();
  });
});
