import { newId, toKafkaRecord, Topics, TurnReceived, type KafkaRecord } from '@lib/contracts';
import { RecordSink, type TombstoneRecord } from '../delivery';
import { createEnvelope } from '../envelope';
import { InMemoryInboxStore } from '../in-memory-inbox-store';
import { InProcessEventBus } from '../in-process/in-process-event-bus';
import { InProcessRecordSink } from '../in-process/in-process-record-sink';
import { DiscardedEventError, isDiscardedEvent, isPermanentError } from './errors';
import type { IncomingRecord } from './incoming-record';
import { MessageProcessor } from './message-processor';

class CapturingSink extends RecordSink {
  readonly sent: { topic: string; record: KafkaRecord }[] = [];
  async send(topic: string, records: KafkaRecord[]): Promise<void> {
    for (const record of records) this.sent.push({ topic, record });
  }
}

const turn = () =>
  createEnvelope(
    TurnReceived,
    {
      conversationId: newId(),
      turnId: newId(),
      sequence: 1,
      role: 'prospect',
      text: 'hello',
      conversation: { mode: 'assist', prospect: { name: 'Dana' } },
      receivedAt: new Date().toISOString(),
    },
    { tenantId: 'tenant-1' },
    'test',
  );

const incoming = (record: {
  key: string;
  value: Buffer | null;
  headers: Record<string, string>;
}): IncomingRecord => ({
  topic: Topics.turns.name,
  partition: 0,
  offset: '42',
  ...record,
});

describe('tombstones and discarded events in the delivery pipeline', () => {
  const processorWith = (handler: () => Promise<void>, deadLetters: RecordSink) =>
    new MessageProcessor({
      consumerGroup: 'test-group',
      system: 'in-process',
      findHandler: () => handler,
      inbox: new InMemoryInboxStore(),
      deadLetters,
      retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 1 },
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });

  it('skips a tombstone (a key and no value) instead of dead-lettering it', async () => {
    const dead = new CapturingSink();
    let calls = 0;
    const processor = processorWith(async () => {
      calls += 1;
    }, dead);
    expect(await processor.process(incoming({ key: newId(), value: null, headers: {} }))).toBe('skipped');
    expect(calls).toBe(0);
    expect(dead.sent).toEqual([]);
  });

  it('acknowledges an event its handler discards: one attempt, no retry, no dead letter', async () => {
    const dead = new CapturingSink();
    let calls = 0;
    const processor = processorWith(async () => {
      calls += 1;
      throw new DiscardedEventError('conversation deleted');
    }, dead);
    const event = turn();
    expect(await processor.process(incoming(toKafkaRecord(TurnReceived, event)))).toBe('skipped');
    expect(calls).toBe(1);
    expect(dead.sent).toEqual([]);
  });

  it('still dead-letters the other permanent errors', async () => {
    const dead = new CapturingSink();
    const processor = processorWith(async () => {
      throw Object.assign(new Error('bad data'), { permanent: true });
    }, dead);
    expect(await processor.process(incoming(toKafkaRecord(TurnReceived, turn())))).toBe('dead_lettered');
    expect(dead.sent).toHaveLength(1);
  });

  it('recognises discards by convention (another copy of the module)', () => {
    const error = new DiscardedEventError('x');
    expect(isDiscardedEvent(error)).toBe(true);
    expect(isPermanentError(error)).toBe(true);
    expect(isDiscardedEvent({ discarded: true })).toBe(true);
    expect(isDiscardedEvent(new Error('x'))).toBe(false);
  });
});

describe('tombstones in the sinks', () => {
  it('the in-process bus keeps a tombstone with a null value, after the key’s records', async () => {
    const bus = new InProcessEventBus();
    const sink = new InProcessRecordSink(bus);
    const event = turn();
    const record = toKafkaRecord(TurnReceived, event);
    await sink.send(Topics.conversationState.name, [record]);
    const tombstone: TombstoneRecord = { key: record.key, value: null };
    await sink.sendTombstones(Topics.conversationState.name, [tombstone]);
    const stored = bus.records(Topics.conversationState.name).filter((r) => r.key === record.key);
    expect(stored.map((r) => r.value === null)).toEqual([false, true]);
    expect(stored[1].headers).toEqual({});
  });

  it('a sink that cannot send tombstones refuses them', async () => {
    await expect(
      new CapturingSink().sendTombstones(Topics.conversationState.name, [{ key: 'k', value: null }]),
    ).rejects.toThrow(/cannot send tombstones/);
  });
});
