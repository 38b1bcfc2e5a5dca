import { Logger } from '@nestjs/common';
import { Server } from '@nestjs/microservices';
import {
  Kafka,
  logLevel,
  type Consumer,
  type EachBatchPayload,
  type EachMessagePayload,
  type KafkaMessage,
} from 'kafkajs';
import { forgetConsumerGroup, recordConsumerCommit, recordConsumerFetch } from '@lib/telemetry';
import type { InboxStore, RecordSink } from '../delivery';
import type { EventTransport } from '../event-transport';
import {
  TransactionLimiter,
  chunkRecords,
  deliverChunk,
  resolveBatchOptions,
  type BatchOptions,
} from '../pipeline/batch-delivery';
import { errorMessage } from '../pipeline/errors';
import type { IncomingRecord } from '../pipeline/incoming-record';
import { MessageProcessor } from '../pipeline/message-processor';
import { nestHandlerFinder, subscribedTopics } from '../pipeline/nest-handlers';
import type { RetryOptions } from '../pipeline/retry-options';
import { ensureTopics, type EnsureTopicsOptions } from './ensure-topics';
import { nestLogCreator } from './kafka-logging';

export interface KafkaEventTransportOptions {
  readonly brokers: string[];
  readonly clientId: string;
  /**
   * Consumer group. Each topic gets its own consumer, in group `<groupId>.<topic>`; the inbox and the
   * dead-letter headers use `groupId` itself.
   */
  readonly groupId: string;
  /** Where poison records are published (`<topic>.dlq`): the process's producer. `log` for broadcast. */
  readonly deadLetters: RecordSink | 'log';
  /** Close the dead-letter sink with the transport (when the transport created it). */
  readonly closeDeadLettersOnClose?: boolean;
  /** Deduplication by event id (omit for broadcast consumers). */
  readonly inbox?: InboxStore;
  readonly retry?: Partial<RetryOptions>;
  /** A new group starts at the oldest record (default true); false for broadcast consumers. */
  readonly fromBeginning?: boolean;
  readonly sessionTimeout?: number;
  readonly heartbeatInterval?: number;
  /** Partitions of one topic processed in parallel (each partition stays in order). */
  readonly partitionsConsumedConcurrently?: number;
  /** How long `close()` waits for records in flight before disconnecting anyway. */
  readonly shutdownTimeoutMs?: number;
  /** How long `listen()` waits for every consumer to join its group. */
  readonly readyTimeoutMs?: number;
  /** Create the topics (and their `.dlq`) before subscribing. */
  readonly ensureTopics?: Omit<EnsureTopicsOptions, 'topics'>;
  /**
   * Batched delivery (kafkajs `eachBatch`): up to `maxRecords` records of one partition are handled in one
   * inbox transaction and committed with one offset commit; a chunk that fails is rolled back and handled
   * again record by record (retries, dead letters). Needs an inbox with `runInTransaction`; without it, or
   * when omitted, records are delivered one by one (`eachMessage`).
   */
  readonly batch?: BatchOptions;
}

interface TopicConsumer {
  readonly topic: string;
  readonly consumer: Consumer;
  joined: boolean;
}

/**
 * Kafka transport for the service's `@OnEvent` handlers, covering the gaps of the stock Nest Kafka server:
 * one consumer per topic (a slow topic never blocks another), manual commits after the handler's effects
 * are durable, bounded retries then a dead-letter topic (never an endless redelivery loop), heartbeats
 * while a record is processed, readiness only once every consumer joined, and a graceful close.
 */
/** kafkajs instrumentation events (`consumer.crash`, `consumer.group_join`…), forwarded by `on()`. */
type ConsumerEventListeners = Record<string, (event: unknown) => void>;

export class KafkaEventTransport extends Server<ConsumerEventListeners> implements EventTransport {
  private readonly log = new Logger(KafkaEventTransport.name);
  private readonly kafka: Kafka;
  private readonly abort = new AbortController();
  private readonly consumers: TopicConsumer[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private processor: MessageProcessor | undefined;
  private limiter: TransactionLimiter | undefined;
  private started = false;
  private stopping = false;
  private disconnected = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: KafkaEventTransportOptions) {
    super();
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: nestLogCreator,
    });
  }

  /** Calls back once every consumer joined its group (readiness is real), or with the error that prevented it. */
  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    let failure: unknown;
    try {
      await this.start();
    } catch (error) {
      failure = error ?? new Error('the Kafka transport failed to start');
    }
    if (failure === undefined) callback();
    else callback(failure);
  }

  isReady(): boolean {
    return this.started && !this.stopping && this.consumers.every((c) => c.joined);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Registers a kafkajs instrumentation listener (e.g. `consumer.crash`) on every consumer. */
  on<K extends string, C extends (event: unknown) => void>(event: K, callback: C): void {
    for (const { consumer } of this.consumers) {
      consumer.on(event as Parameters<Consumer['on']>[0], callback as Parameters<Consumer['on']>[1]);
    }
  }

  /** The kafkajs consumers, one per topic. */
  unwrap<T>(): T {
    return this.consumers.map((c) => c.consumer) as T;
  }

  private async start(): Promise<void> {
    const topics = subscribedTopics(this);
    const { groupId } = this.options;
    this.processor = new MessageProcessor({
      consumerGroup: groupId,
      system: 'kafka',
      findHandler: nestHandlerFinder(this),
      inbox: this.options.inbox,
      deadLetters: this.options.deadLetters,
      retry: this.options.retry,
    });
    const batch = this.options.batch && resolveBatchOptions(this.options.batch);
    if (batch) this.limiter = new TransactionLimiter(batch.concurrentTransactions);
    if (topics.length > 0 && this.options.ensureTopics) {
      await ensureTopics(this.options.brokers, { ...this.options.ensureTopics, topics });
    }
    await Promise.all(topics.map((topic) => this.startConsumer(topic)));
    this.started = true;
    const batching = batch
      ? `, in chunks of ${batch.maxRecords} (${batch.concurrentTransactions} transaction(s) at once` +
        `${batch.lockKey ? ', by lock key' : ''})`
      : '';
    this.log.log(`${groupId} consumes ${topics.join(', ') || '(no topics)'}${batching}`);
  }

  private async startConsumer(topic: string): Promise<void> {
    const sessionTimeout = this.options.sessionTimeout ?? 30_000;
    const heartbeatInterval = this.options.heartbeatInterval ?? 3_000;
    const consumer = this.kafka.consumer({
      groupId: `${this.options.groupId}.${topic}`,
      sessionTimeout,
      heartbeatInterval,
      allowAutoTopicCreation: false,
    });
    const entry: TopicConsumer = { topic, consumer, joined: false };
    this.consumers.push(entry);
    const joined = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        entry.joined = true;
        this._status$.next('connected');
        resolve();
      });
    });
    consumer.on(consumer.events.CRASH, (event) => {
      entry.joined = false;
      this._status$.next('crashed');
      this.log.error(
        `${topic} consumer crashed (restart: ${String(event.payload.restart)}): ${event.payload.error.message}`,
      );
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this._status$.next('rebalancing');
    });
    consumer.on(consumer.events.STOP, () => {
      entry.joined = false;
    });
    // Consumer lag (`messaging.kafka.consumer.lag`): each fetched batch's high watermark, minus commits below.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) =>
      recordConsumerFetch(this.options.groupId, payload),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: this.options.fromBeginning ?? true });
    const partitionsConsumedConcurrently = this.options.partitionsConsumedConcurrently ?? 3;
    const batch = this.options.batch && resolveBatchOptions(this.options.batch);
    if (batch) {
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently,
        eachBatch: (payload) =>
          this.track(this.handleBatch(consumer, payload, heartbeatInterval, batch.maxRecords)),
      });
    } else {
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently,
        eachMessage: (payload) => this.track(this.handleMessage(consumer, payload, heartbeatInterval)),
      });
    }
    const readyTimeoutMs = this.options.readyTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      joined,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${topic}: consumer did not join its group within ${readyTimeoutMs} ms`)),
          readyTimeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private async handleMessage(
    consumer: Consumer,
    payload: EachMessagePayload,
    heartbeatInterval: number,
  ): Promise<void> {
    const { topic, partition, message } = payload;
    // Closing: leave the rest of the fetched batch uncommitted, for the next member of the group.
    if (this.stopping || !this.processor) return;
    // kafkajs heartbeats only between messages: keep the session alive through long handlers and retries.
    const beat = this.keepAlive(() => payload.heartbeat(), heartbeatInterval);
    try {
      const outcome = await this.processor.process(
        incomingRecord(topic, partition, message),
        this.abort.signal,
      );
      if (outcome === 'aborted') return;
      // The handler's effects (or the dead letter) are durable now: only then move the group past it.
      await this.commit(consumer, topic, partition, message.offset);
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * Batched delivery of what one fetch returned for a partition: chunks of `maxRecords`, each in one
   * transaction then one offset commit (or record by record when the chunk fails, see `deliverChunk`).
   * Offsets are resolved by hand, only once a chunk is durable: what is left when the transport stops or
   * the partition is revoked (`isRunning`/`isStale`) stays uncommitted for the next fetch or member.
   */
  private async handleBatch(
    consumer: Consumer,
    payload: EachBatchPayload,
    heartbeatInterval: number,
    maxRecords: number,
  ): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const processor = this.processor;
    if (this.stopping || !processor) return;
    const stopped = (): boolean => this.stopping || !payload.isRunning() || payload.isStale();
    const beat = this.keepAlive(() => payload.heartbeat(), heartbeatInterval);
    try {
      const records = batch.messages.map((message) => incomingRecord(topic, partition, message));
      for (const chunk of chunkRecords(records, maxRecords)) {
        const result = await deliverChunk({
          processor,
          records: chunk,
          signal: this.abort.signal,
          stopped,
          limiter: this.limiter,
          lockKey: this.options.batch?.lockKey,
          logger: this.log,
          done: async (last) => {
            payload.resolveOffset(last.offset);
            await this.commit(consumer, topic, partition, last.offset);
          },
        });
        if (result.done < chunk.length) return;
      }
    } finally {
      clearInterval(beat);
    }
  }

  /** kafkajs heartbeats only between records or batches: keep the session alive while they are processed. */
  private keepAlive(heartbeat: () => Promise<void>, heartbeatInterval: number): NodeJS.Timeout {
    return setInterval(() => {
      heartbeat().catch((error: unknown) => this.log.debug(`heartbeat failed: ${errorMessage(error)}`));
    }, heartbeatInterval);
  }

  private async commit(consumer: Consumer, topic: string, partition: number, offset: string): Promise<void> {
    if (this.disconnected) return;
    try {
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
      recordConsumerCommit(this.options.groupId, topic, partition, offset);
    } catch (error) {
      // A rebalance took the partition away: its next owner redelivers, and the inbox dedupes.
      this.log.warn(`${topic}[${partition}]@${offset}: offset commit failed: ${errorMessage(error)}`);
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const untrack = (): void => {
      this.inFlight.delete(work);
    };
    work.then(untrack, untrack);
    return work;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    for (const { consumer, topic } of this.consumers) {
      try {
        consumer.pause([{ topic }]);
      } catch {
        // Not running yet (closed during start): nothing is being fetched.
      }
    }
    const timeoutMs = this.options.shutdownTimeoutMs ?? 10_000;
    const finished = await settleWithin([...this.inFlight], timeoutMs);
    if (!finished) {
      this.log.warn(`closing with ${this.inFlight.size} record(s) still in flight: they will be redelivered`);
    }
    // From here on nothing is committed: a record still in flight is redelivered to the group's next member.
    this.disconnected = true;
    // kafkajs waits for the record in flight before leaving the group: bound that wait too.
    const left = await settleWithin(
      this.consumers.map(({ consumer, topic }) =>
        consumer
          .disconnect()
          .catch((error: unknown) => this.log.warn(`${topic}: disconnect failed: ${errorMessage(error)}`)),
      ),
      timeoutMs,
    );
    if (!left) this.log.warn('consumers did not leave their groups in time: the broker will expire them');
    const { deadLetters } = this.options;
    if (this.options.closeDeadLettersOnClose && deadLetters !== 'log') await deadLetters.close();
    this._status$.next('disconnected');
    forgetConsumerGroup(this.options.groupId);
    this.log.log(`${this.options.groupId} closed`);
  }
}

function incomingRecord(topic: string, partition: number, message: KafkaMessage): IncomingRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
  };
}

async function settleWithin(work: Promise<unknown>[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([Promise.allSettled(work).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
