import { Logger, type LoggerService } from '@nestjs/common';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { RetryPolicy } from 'cockatiel';
import { deadLetterTopic, fromKafkaRecord, type EventEnvelope, type KafkaRecord } from '@lib/contracts';
import { recordMessageProcessed } from '@lib/telemetry';
import { DeadLetterHeaders, type DeadLetterReason, type InboxStore, type RecordSink } from '../delivery';
import { DeliveryAbortedError, errorMessage, isDiscardedEvent, isPermanentError } from './errors';
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

/**
 * How a chunk fared in one transaction (`processInTransaction`): every record done and committed together,
 * or nothing done at all (rolled back, or not attempted) and the reason why.
 */
export type TransactionAttempt =
  | { readonly committed: true; readonly outcomes: ('handled' | 'duplicate' | 'skipped')[] }
  | { readonly committed: false; readonly reason: string };

/** A chunk's records decoded (in order), or why one of them is invalid. */
export type DecodedChunk =
  { readonly envelopes: readonly EventEnvelope<unknown>[] } | { readonly invalid: string };

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

  /** True when the inbox can run several records in one transaction (`processInTransaction`). */
  get canProcessInTransaction(): boolean {
    return this.options.inbox?.runInTransaction !== undefined;
  }

  /** Processes one record. `signal` aborts pending retries when the transport closes. */
  async process(record: IncomingRecord, signal?: AbortSignal): Promise<ProcessOutcome> {
    const { span, parent } = this.startRecordSpan(record);
    const started = performance.now();
    let outcome: ProcessOutcome | 'failed' = 'failed';
    try {
      outcome = await context.with(trace.setSpan(parent, span), () =>
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
      this.recordProcessed(record.topic, outcome, performance.now() - started);
    }
  }

  private recordProcessed(topic: string, outcome: string, durationMs: number): void {
    const { system, consumerGroup } = this.options;
    recordMessageProcessed({ system, topic, consumerGroup, outcome, durationMs });
  }

  private async processInSpan(
    record: IncomingRecord,
    span: Span,
    signal?: AbortSignal,
  ): Promise<ProcessOutcome> {
    // A tombstone (a key and no value, on a compacted topic) is not an event: nothing to handle.
    if (record.value === null) return 'skipped';
    let envelope: EventEnvelope<unknown>;
    try {
      envelope = fromKafkaRecord(record).envelope;
    } catch (error) {
      span.recordException(asException(error));
      await this.deadLetter(record, 'invalid_event', error, 0);
      return 'dead_lettered';
    }
    describeEnvelope(span, envelope);
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
      if (isDiscardedEvent(error)) {
        this.logger.debug?.(`${envelope.type} ${envelope.id} dropped: ${errorMessage(error)}`);
        return 'skipped';
      }
      await this.deadLetter(record, 'handler_failed', error, attempts);
      return 'dead_lettered';
    }
  }

  /**
   * The fast path of batched delivery: the records (one partition's, in order) in ONE transaction of the
   * inbox, each through inbox dedupe and its handler, in its own consumer span continuing its producer's
   * trace, with no retry. Anything that goes wrong (a record that does not decode, a handler error, a
   * failed COMMIT: serialization failure, deadlock) rolls the whole transaction back and nothing counts as
   * done: the caller then processes the records one by one with `process` (retries, dead letters). An
   * invalid record is detected before the transaction is opened.
   */
  async processInTransaction(
    records: readonly IncomingRecord[],
    decoded: DecodedChunk = this.decodeChunk(records),
  ): Promise<TransactionAttempt> {
    const { inbox } = this.options;
    const runInTransaction = inbox?.runInTransaction?.bind(inbox);
    if (!runInTransaction) return { committed: false, reason: 'the inbox has no transactions' };
    if ('invalid' in decoded) return { committed: false, reason: decoded.invalid };
    if (records.length === 0) return { committed: true, outcomes: [] };
    const { envelopes } = decoded;
    const { topic } = records[0];
    const parents = records.map(extractParent);
    // The chunk's own span covers its BEGIN/COMMIT; each record's span continues its producer's trace.
    const chunkSpan = tracer.startSpan(`${topic} process`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': this.options.system,
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(records[0].partition),
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.consumer.group.name': this.options.consumerGroup,
        'messaging.batch.message_count': records.length,
      },
      links: parents.flatMap((parent) => {
        const spanContext = trace.getSpanContext(parent);
        return spanContext ? [{ context: spanContext }] : [];
      }),
    });
    const spans = records.map((record, i) => {
      const span = this.startRecordSpan(record, parents[i]).span;
      describeEnvelope(span, envelopes[i]);
      return span;
    });
    // -1: the transaction did not start; 0..n-1: that record's turn; n: the COMMIT.
    let current = -1;
    const started = performance.now();
    try {
      const outcomes = await context.with(trace.setSpan(ROOT_CONTEXT, chunkSpan), () =>
        runInTransaction(async () => {
          const done: ('handled' | 'duplicate' | 'skipped')[] = [];
          for (current = 0; current < records.length; current += 1) {
            const envelope = envelopes[current];
            const handler = this.options.findHandler(envelope.type);
            if (!handler) {
              done.push('skipped');
              continue;
            }
            const deliveryContext = new DeliveryContext([records[current], this.consumerGroup, 1]);
            done.push(
              await context.with(trace.setSpan(parents[current], spans[current]), () =>
                this.handleOnce(envelope, handler, deliveryContext),
              ),
            );
          }
          return done;
        }),
      );
      outcomes.forEach((outcome, i) => spans[i].setAttribute('messaging.delivery.outcome', outcome));
      const perRecordMs = (performance.now() - started) / records.length;
      outcomes.forEach((outcome) => this.recordProcessed(topic, outcome, perRecordMs));
      return { committed: true, outcomes };
    } catch (error) {
      const inRecord = current >= 0 && current < records.length;
      const failed = inRecord ? spans[current] : chunkSpan;
      failed.recordException(asException(error));
      failed.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      for (const span of spans) span.setAttribute('messaging.delivery.outcome', 'rolled_back');
      const reason = inRecord
        ? `${where(records[current])} (${envelopes[current].type}) failed: ${errorMessage(error)}`
        : `the transaction failed${current < 0 ? ' to start' : ' to commit'}: ${errorMessage(error)}`;
      chunkSpan.setStatus({ code: SpanStatusCode.ERROR, message: reason });
      return { committed: false, reason };
    } finally {
      for (const span of spans) span.end();
      chunkSpan.end();
    }
  }

  /** Decodes and validates a chunk's records, or says which one is invalid (it takes the record path). */
  decodeChunk(records: readonly IncomingRecord[]): DecodedChunk {
    const envelopes: EventEnvelope<unknown>[] = [];
    for (const record of records) {
      try {
        envelopes.push(fromKafkaRecord(record).envelope);
      } catch (error) {
        return { invalid: `${where(record)} is invalid: ${errorMessage(error)}` };
      }
    }
    return { envelopes };
  }

  private startRecordSpan(
    record: IncomingRecord,
    parent = extractParent(record),
  ): { span: Span; parent: Context } {
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
    return { span, parent };
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
    if (this.options.deadLetters === 'log') {
      this.logger.error(
        `${where(record)} (${reason}) cannot be handled, skipped after ${attempts} attempt(s): ${message}`,
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
    this.logger.warn(
      `${where(record)} dead-lettered to ${topic} (${reason}, ${attempts} attempt(s)): ${message}`,
    );
  }
}

/** The producer's trace context, from the record's `traceparent`/`tracestate` headers. */
function extractParent(record: IncomingRecord): Context {
  const carrier: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = headerText(record.headers, name);
    if (value !== undefined) carrier[name] = value;
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}

function describeEnvelope(span: Span, envelope: EventEnvelope<unknown>): void {
  span.setAttributes({
    'messaging.message.id': envelope.id,
    'cloudevents.event_id': envelope.id,
    'cloudevents.event_type': envelope.type,
    'cloudevents.event_source': envelope.source,
    'tenant.id': envelope.tenantid,
  });
}

function where(record: IncomingRecord): string {
  return `${record.topic}[${record.partition}]@${record.offset}`;
}

function asException(error: unknown): Error | string {
  return error instanceof Error ? error : errorMessage(error);
}
