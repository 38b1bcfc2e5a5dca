import type { EventDefinition, EventEnvelope } from '@lib/contracts';

/**
 * Runs a handler's work exactly once per (consumer, event id), atomically with the work's own database
 * effects and the events it emits (the database lib implements it with an inbox table and a transaction).
 */
export abstract class InboxStore {
  abstract runOnce(
    consumer: string,
    event: EventEnvelope<unknown>,
    work: () => Promise<void>,
  ): Promise<'processed' | 'duplicate'>;

  /**
   * Optional: runs `work` in ONE transaction that every `runOnce` inside it joins (batched delivery). If
   * `work` rejects, everything it did rolls back (inbox rows included) and the rejection is passed on. A
   * store without it gets record-by-record delivery only.
   */
  runInTransaction?<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The transactional outbox: when a unit of work is active, `enqueue` stores the event in the same
 * transaction and returns true; the relay publishes it after commit. Returns false when there is no active
 * unit of work (the publisher then publishes directly).
 */
export abstract class TransactionalOutbox {
  abstract enqueue(definition: EventDefinition, envelope: EventEnvelope<unknown>): Promise<boolean>;
}

/** Headers a dead-lettered message carries, besides its original headers. */
export const DeadLetterHeaders = {
  reason: 'x-dlq-reason',
  error: 'x-dlq-error',
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  consumerGroup: 'x-dlq-consumer-group',
  attempts: 'x-dlq-attempts',
  failedAt: 'x-dlq-failed-at',
} as const;

/** Why a message was dead-lettered. */
export type DeadLetterReason = 'invalid_event' | 'handler_failed';

/** A Kafka tombstone: a key and no value (headers are optional). */
export interface TombstoneRecord {
  readonly key: string;
  readonly value: null;
  readonly headers?: Record<string, string>;
}

/**
 * Sends already-encoded records to a topic and resolves once the transport acknowledged them
 * (Kafka: idempotent producer, acks=all). Used by the publisher and by the outbox relay.
 */
export abstract class RecordSink {
  abstract send(topic: string, records: import('@lib/contracts').KafkaRecord[]): Promise<void>;

  /**
   * Sends tombstones (a key with no value: on a compacted topic Kafka then drops the key) and resolves once
   * the transport acknowledged them. Not an event: no envelope, consumers skip them. Sinks that cannot send
   * them (test doubles) refuse.
   */
  sendTombstones(topic: string, records: TombstoneRecord[]): Promise<void> {
    return Promise.reject(
      new Error(`${this.constructor.name} cannot send tombstones (${records.length} for ${topic})`),
    );
  }

  /** Releases the connection (Kafka: disconnects the producer). Called once, at shutdown. */
  async close(): Promise<void> {}
}
