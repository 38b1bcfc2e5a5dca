import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { InboxStore, RecordSink } from './delivery';
import type { EventTransport } from './event-transport';
import type { InProcessEventBus } from './in-process/in-process-event-bus';
import { InProcessEventTransport } from './in-process/in-process-event-transport';
import type { EnsureTopicsOptions } from './kafka/ensure-topics';
import { KafkaEventTransport } from './kafka/kafka-event-transport';
import { KafkaRecordSink } from './kafka/kafka-record-sink';
import type { BatchOptions } from './pipeline/batch-delivery';
import type { RetryOptions } from './pipeline/retry-options';

export type TransportKind = 'kafka' | 'in-process';

export interface KafkaConnectionOptions {
  readonly brokers: string[];
  /** Client ids are `<prefix>-<service>`. Default `sales-agent`. */
  readonly clientIdPrefix?: string;
}

export interface EventTransportOptions {
  readonly transport: TransportKind;
  readonly serviceName: string;
  /**
   * `shared`: the service's instances form one consumer group, each event is handled once (inbox).
   * `broadcast`: every instance gets every event from now on, without inbox (the gateway's SSE relay).
   */
  readonly delivery: 'shared' | 'broadcast';
  /**
   * Consumer group (Kafka: each topic's consumer joins `<consumerGroup>.<topic>`). Defaults to the service
   * name for `shared`, a unique `<service>.broadcast.<host>.<pid>.<random>` for `broadcast`.
   */
  readonly consumerGroup?: string;
  /** Where a new group starts: the oldest record (default for `shared`) or the end (default for `broadcast`). */
  readonly fromBeginning?: boolean;
  /** The service's inbox (from DatabaseModule). Used for `shared` delivery only. */
  readonly inbox?: InboxStore;
  /**
   * Where dead letters are published: pass the process's RecordSink (Kafka: its one producer). Without it,
   * the Kafka transport creates its own producer for dead letters, connected on the first one.
   */
  readonly sink?: RecordSink;
  readonly kafka?: KafkaConnectionOptions & {
    readonly sessionTimeout?: number;
    readonly partitionsConsumedConcurrently?: number;
    readonly ensureTopics?: Omit<EnsureTopicsOptions, 'topics'>;
  };
  readonly bus?: InProcessEventBus;
  readonly retry?: Partial<RetryOptions>;
  /**
   * Batched delivery, Kafka and `shared` delivery only: up to `maxRecords` records of a partition in one
   * inbox transaction and one offset commit, record by record again when a chunk fails. For services whose
   * handlers only write to their database (persistence); the in-process transport ignores it.
   */
  readonly batch?: BatchOptions;
  readonly shutdownTimeoutMs?: number;
}

/** Builds the transport that dispatches events to a service's `@OnEvent` handlers: `app.connectMicroservice({ strategy })`. */
export function createEventTransport(options: EventTransportOptions): EventTransport {
  const shared = options.delivery === 'shared';
  // A broadcast consumer is its own group: every instance sees every event.
  const groupId =
    options.consumerGroup ??
    (shared
      ? options.serviceName
      : `${options.serviceName}.broadcast.${hostname()}.${process.pid}.${randomUUID().slice(0, 8)}`);
  const fromBeginning = options.fromBeginning ?? shared;
  const inbox = shared ? options.inbox : undefined;
  switch (options.transport) {
    case 'kafka': {
      if (!options.kafka) throw new Error('the kafka transport needs kafka.brokers');
      const clientId = `${options.kafka.clientIdPrefix ?? 'sales-agent'}-${options.serviceName}`;
      const ownSink = shared && !options.sink;
      return new KafkaEventTransport({
        brokers: options.kafka.brokers,
        clientId,
        groupId,
        inbox,
        deadLetters: shared
          ? (options.sink ??
            new KafkaRecordSink({ brokers: options.kafka.brokers, clientId: `${clientId}-dlq` }))
          : 'log',
        closeDeadLettersOnClose: ownSink,
        retry: options.retry,
        fromBeginning,
        sessionTimeout: options.kafka.sessionTimeout,
        partitionsConsumedConcurrently: options.kafka.partitionsConsumedConcurrently,
        ensureTopics: options.kafka.ensureTopics,
        shutdownTimeoutMs: options.shutdownTimeoutMs,
        batch: shared ? options.batch : undefined,
      });
    }
    case 'in-process': {
      if (!options.bus)
        throw new Error('the in-process transport needs the process-wide bus (InProcessEventBus)');
      return new InProcessEventTransport({
        bus: options.bus,
        groupId,
        inbox,
        retry: options.retry,
        fromBeginning,
        deadLetters: shared ? 'publish' : 'log',
        shutdownTimeoutMs: options.shutdownTimeoutMs,
      });
    }
  }
}
