import { Logger, type LoggerService } from '@nestjs/common';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { RetryPolicy } from 'cockatiel';
import { deadLetterTopic, fromKafkaRecord, type EventEnvelope, type KafkaRecord } from '@lib/contracts';
import { DeadLetterHeaders, type DeadLetterReason, type InboxStore, type RecordSink } from '../delivery';
import { DeliveryAbortedError, errorMessage, isPermanentError } from './errors';
import { DeliveryContext, headerText, stringHeaders, type IncomingRecord } from './incoming-record';
import { createRetryPolicy, resolveRetryOptions, type RetryOptions } from './retry-options';

/** Calls the service's handler(s) for one validated event. Rejects when a handler threw. */
export type EventHandlerInvoker = (
  envelope: EventEnvelope<unknown>,
  context: DeliveryContext,
) => Promise<void>;

/**
 * What happened to a record. Every outcome but `aborted` means "done, commit the offset"; `aborted` (the
 * transport is closing) leaves the record uncommitted so the next consumer gets it again.
 */
export type ProcessOutcome = 'handled' | 'duplicate' | 'skipped' | 'dead_lettered' | 'aborted';

export interface MessageProcessorOptions {
  /** Consumer group: the inbox's consumer name, and where a dead-lettered record says it failed. */
  readonly consumerGroup: string;
  /** `messaging.system` of the spans. */
  readonly system: 'kafka' | 'in-process';
  /** The handler of an event type in this service, if it has one. */
  readonly findHandler: (type: string) => EventHandlerInvoker | undefined;
  /** Deduplicates by event id, atomically with the handler's effects. Omitted for broadcast consumers. */
  readonly inbox?: InboxStore;
  /**
   * Where poison records go: a sink (published to `<topic>.dlq`), or `log` for broadcast consumers, whose
   * every instance sees every record (the shared consumers of the topic dead-letter it once).
   */
  readonly deadLetters: RecordSink | 'log';
  readonly retry?: Partial<RetryOptions>;
  readonly logger?: LoggerService;
}

const tracer = trace.getTracer('@lib/messaging');
const MAX_ERROR_HEADER = 1000;

/**
 * The delivery pipeline shared by the Kafka and in-process transports: decode and validate, find the
 * handler, run it once per event id (inbox) inside a consumer span that continues the producer's trace,
 * retry transient failures with backoff, dead-letter what cannot be handled. It never throws for a bad
 * record or a failing handler, so the transport can commit and move on; it throws only when dead-lettering
 * itself failed (the record must then be redelivered, not committed).
 */
export class MessageProcessor {
  private readonly logger: LoggerService;
  private readonly retryOptions: RetryOptions;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: MessageProcessorOptions) {
    this.logger = options.logger ?? new Logger(`Messaging:${options.consumerGroup}`);
    this.retryOptions = resolveRetryOptions(options.retry);
    this.policy = createRetryPolicy(this.retryOptions);
  }

  get consumerGroup(): string {
    return this.options.consumerGroup;
  }

  /** Processes one record. `signal` aborts pending retries when the transport closes. */
  async process(record: IncomingRecord, signal?: AbortSignal): Promise<ProcessOutcome> {
    const carrier: Record<string, string> = {};
    for (const name of ['traceparent', 'tracestate']) {
      const value = headerText(record.headers, name);
      if (value !== undefined) carrier[name] = value;
    }
    const parent = propagation.extract(ROOT_CONTEXT, carrier);
    const span = tracer.startSpan(
      `${record.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': this.options.system,
          'messaging.destination.name': record.topic,
          'messaging.destination.partition.id': String(record.partition),
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.consumer.group.name': this.options.consumerGroup,
          'messaging.kafka.offset': Number(record.offset),
        },
      },
      parent,
    );
    try {
      const outcome = await context.with(trace.setSpan(parent, span), () =>
        this.processInSpan(record, span, signal),
      );
      span.setAttribute('messaging.delivery.outcome', outcome);
      if (outcome === 'dead_lettered')
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
      return outcome;
    } catch (error) {
      span.recordException(asException(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  private async processInSpan(
    record: IncomingRecord,
    span: Span,
    signal?: AbortSignal,
  ): Promise<ProcessOutcome> {
    let envelope: EventEnvelope<unknown>;
    try {
      envelope = fromKafkaRecord(record).envelope;
    } catch (error) {
      span.recordException(asException(error));
      await this.deadLetter(record, 'invalid_event', error, 0);
      return 'dead_lettered';
    }
    span.setAttributes({
      'messaging.message.id': envelope.id,
      'cloudevents.event_id': envelope.id,
      'cloudevents.event_type': envelope.type,
      'cloudevents.event_source': envelope.source,
      'tenant.id': envelope.tenantid,
    });
    const handler = this.options.findHandler(envelope.type);
    // Another service's event on a topic this one reads: nothing to do here, acknowledge it.
    if (!handler) return 'skipped';

    let attempts = 0;
    try {
      return await this.policy.execute(async () => {
        if (signal?.aborted) throw new DeliveryAbortedError();
        attempts += 1;
        try {
          return await this.handleOnce(
            envelope,
            handler,
            new DeliveryContext([record, this.consumerGroup, attempts]),
          );
        } catch (error) {
          span.recordException(asException(error));
          if (!isPermanentError(error) && attempts < this.retryOptions.maxAttempts) {
            span.addEvent('retry', { attempt: attempts });
            this.logger.warn(
              `${envelope.type} ${envelope.id}: attempt ${attempts}/${this.retryOptions.maxAttempts} failed, ` +
                `retrying: ${errorMessage(error)}`,
            );
          }
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof DeliveryAbortedError) return 'aborted';
      await this.deadLetter(record, 'handler_failed', error, attempts);
      return 'dead_lettered';
    }
  }

  private async handleOnce(
    envelope: EventEnvelope<unknown>,
    handler: EventHandlerInvoker,
    deliveryContext: DeliveryContext,
  ): Promise<'handled' | 'duplicate'> {
    const { inbox } = this.options;
    if (!inbox) {
      await handler(envelope, deliveryContext);
      return 'handled';
    }
    const result = await inbox.runOnce(this.consumerGroup, envelope, () =>
      handler(envelope, deliveryContext),
    );
    return result === 'processed' ? 'handled' : 'duplicate';
  }

  private async deadLetter(
    record: IncomingRecord,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const message = errorMessage(error);
    const where = `${record.topic}[${record.partition}]@${record.offset}`;
    if (this.options.deadLetters === 'log') {
      this.logger.error(
        `${where} (${reason}) cannot be handled, skipped after ${attempts} attempt(s): ${message}`,
      );
      return;
    }
    const topic = deadLetterTopic(record.topic);
    const dead: KafkaRecord = {
      key: record.key === null ? '' : record.key.toString(),
      value: record.value ?? Buffer.alloc(0),
      headers: {
        ...stringHeaders(record.headers),
        [DeadLetterHeaders.reason]: reason,
        [DeadLetterHeaders.error]: message.slice(0, MAX_ERROR_HEADER),
        [DeadLetterHeaders.originalTopic]: record.topic,
        [DeadLetterHeaders.originalPartition]: String(record.partition),
        [DeadLetterHeaders.originalOffset]: record.offset,
        [DeadLetterHeaders.consumerGroup]: this.consumerGroup,
        [DeadLetterHeaders.attempts]: String(attempts),
        [DeadLetterHeaders.failedAt]: new Date().toISOString(),
      },
    };
    await this.options.deadLetters.send(topic, [dead]);
    this.logger.warn(`${where} dead-lettered to ${topic} (${reason}, ${attempts} attempt(s)): ${message}`);
  }
}

function asException(error: unknown): Error | string {
  return error instanceof Error ? error : errorMessage(error);
}
