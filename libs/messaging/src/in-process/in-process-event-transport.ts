import { Logger } from '@nestjs/common';
import { Server } from '@nestjs/microservices';
import type { InboxStore, RecordSink } from '../delivery';
import type { EventTransport } from '../event-transport';
import { MessageProcessor, type ProcessOutcome } from '../pipeline/message-processor';
import { nestHandlerFinder, subscribedTopics } from '../pipeline/nest-handlers';
import type { RetryOptions } from '../pipeline/retry-options';
import type { BusRecord, BusSubscription, InProcessEventBus } from './in-process-event-bus';
import { InProcessRecordSink } from './in-process-record-sink';

export interface InProcessEventTransportOptions {
  readonly bus: InProcessEventBus;
  /** Consumer group: each group gets every record of its topics. */
  readonly groupId: string;
  /** Deduplication by event id (omit for broadcast consumers). */
  readonly inbox?: InboxStore;
  readonly retry?: Partial<RetryOptions>;
  /** Start at the oldest retained record when the group is new (default true); false for broadcast. */
  readonly fromBeginning?: boolean;
  /** `log` for broadcast consumers: poison records are logged, not dead-lettered by every instance. */
  readonly deadLetters?: 'publish' | 'log';
  /** How long `close()` waits for deliveries in flight. */
  readonly shutdownTimeoutMs?: number;
}

/**
 * The embedded mode's transport: the same pipeline as Kafka (codec, validation, inbox, retries, dead
 * letters, tracing) over the in-process bus.
 */
export class InProcessEventTransport extends Server implements EventTransport {
  private readonly log = new Logger(InProcessEventTransport.name);
  private readonly abort = new AbortController();
  private subscription: BusSubscription | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: InProcessEventTransportOptions) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    try {
      const topics = subscribedTopics(this);
      const sink: RecordSink = new InProcessRecordSink(this.options.bus);
      const processor = new MessageProcessor({
        consumerGroup: this.options.groupId,
        system: 'in-process',
        findHandler: nestHandlerFinder(this),
        inbox: this.options.inbox,
        deadLetters: this.options.deadLetters === 'log' ? 'log' : sink,
        retry: this.options.retry,
      });
      this.subscription = this.options.bus.subscribe(
        this.options.groupId,
        topics,
        (record) => this.deliver(processor, record),
        { fromBeginning: this.options.fromBeginning ?? true },
      );
      this.log.log(`${this.options.groupId} consumes ${topics.join(', ') || '(no topics)'}`);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  isReady(): boolean {
    return this.subscription !== undefined && this.closing === undefined;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      await this.subscription?.close(this.options.shutdownTimeoutMs ?? 10_000);
    })();
    return this.closing;
  }

  on(): never {
    throw new Error('the in-process transport emits no events');
  }

  unwrap<T>(): T {
    return this.options.bus as T;
  }

  private async deliver(processor: MessageProcessor, record: BusRecord): Promise<boolean> {
    if (this.closing) return false;
    const outcome: ProcessOutcome = await processor.process(
      {
        topic: record.topic,
        partition: record.partition,
        offset: String(record.offset),
        key: record.key,
        value: record.value,
        headers: record.headers,
      },
      this.abort.signal,
    );
    return outcome !== 'aborted';
  }
}
