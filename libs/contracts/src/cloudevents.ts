import { z } from 'zod';
import type { EventData, EventDefinition } from './event-definition';
import { eventDefinitionByType } from './registry';

/**
 * CloudEvents 1.0, Kafka protocol binding, binary content mode: the attributes travel as `ce_*` headers,
 * `data` is the message value (JSON), the key is the conversation id. W3C trace context travels as the
 * `traceparent` / `tracestate` headers (CloudEvents distributed-tracing extension).
 */
export interface EventEnvelope<T = unknown> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  /** Extension: the tenant the event belongs to. On every event. */
  readonly tenantid: string;
  /** Extension: id of the event that caused this one, when there is one. */
  readonly causationid?: string;
  /** Extension: id that ties together all events of one unit of work (the turn id for a turn). */
  readonly correlationid?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly data: T;
}

export type EnvelopeOf<D extends EventDefinition> = EventEnvelope<EventData<D>>;

export interface KafkaRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export const CE_HEADER_PREFIX = 'ce_';

/** Attributes every envelope must carry, validated on produce and on consume. */
export const EnvelopeAttributes = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(128),
  type: z.string().min(1),
  source: z.string().min(1),
  subject: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  tenantid: z.string().min(1).max(128),
  causationid: z.string().min(1).optional(),
  correlationid: z.string().min(1).optional(),
  traceparent: z
    .string()
    .regex(/^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/)
    .optional(),
  tracestate: z.string().optional(),
});

/** Why an incoming message was rejected. `permanent` errors go straight to the dead-letter topic. */
export class EventDecodeError extends Error {
  readonly permanent = true;
  constructor(
    message: string,
    readonly reason: 'malformed_headers' | 'unknown_type' | 'invalid_json' | 'schema_violation',
  ) {
    super(message);
    this.name = 'EventDecodeError';
  }
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** Validates the data against the definition's schema; throws with every violated field named. */
export function validateData<D extends EventDefinition>(definition: D, data: unknown): EventData<D> {
  const parsed = definition.schema.safeParse(data);
  if (!parsed.success) {
    throw new EventDecodeError(
      `${definition.type}: invalid data: ${formatIssues(parsed.error)}`,
      'schema_violation',
    );
  }
  return parsed.data as EventData<D>;
}

export function validateEnvelope<D extends EventDefinition>(
  definition: D,
  envelope: EventEnvelope<unknown>,
): EnvelopeOf<D> {
  const attrs = EnvelopeAttributes.safeParse(envelope);
  if (!attrs.success) {
    throw new EventDecodeError(
      `invalid CloudEvents attributes: ${formatIssues(attrs.error)}`,
      'malformed_headers',
    );
  }
  if (envelope.type !== definition.type) {
    throw new EventDecodeError(`expected type ${definition.type}, got ${envelope.type}`, 'unknown_type');
  }
  return { ...envelope, data: validateData(definition, envelope.data) };
}

const ATTRIBUTE_NAMES = [
  'specversion',
  'id',
  'type',
  'source',
  'subject',
  'time',
  'tenantid',
  'causationid',
  'correlationid',
] as const;

/** Encodes an envelope as a Kafka record in binary mode. The key is the event's key (conversation id). */
export function toKafkaRecord(definition: EventDefinition, envelope: EventEnvelope<unknown>): KafkaRecord {
  const valid = validateEnvelope(definition, envelope);
  const headers: Record<string, string> = { 'content-type': valid.datacontenttype };
  for (const name of ATTRIBUTE_NAMES) {
    const value = valid[name];
    if (value !== undefined) headers[`${CE_HEADER_PREFIX}${name}`] = value;
  }
  if (valid.traceparent) headers.traceparent = valid.traceparent;
  if (valid.tracestate) headers.tracestate = valid.tracestate;
  const key = (definition.partitionKeyOf ?? definition.keyOf)(valid.data);
  return { key, value: Buffer.from(JSON.stringify(valid.data)), headers };
}

type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

function headerValue(headers: RawHeaders, name: string): string | undefined {
  const raw = headers[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/**
 * Decodes a Kafka record (binary mode) into a validated envelope. Throws EventDecodeError when the headers,
 * the JSON or the data are invalid, or the type is unknown: such a message is poison and is dead-lettered.
 */
export function fromKafkaRecord(record: { value: Buffer | null; headers?: RawHeaders }): {
  definition: EventDefinition;
  envelope: EventEnvelope<unknown>;
} {
  const headers = record.headers ?? {};
  const type = headerValue(headers, 'ce_type');
  if (!type) throw new EventDecodeError('missing ce_type header', 'malformed_headers');
  const definition = eventDefinitionByType(type);
  if (!definition) throw new EventDecodeError(`unknown event type ${type}`, 'unknown_type');
  let data: unknown;
  try {
    data = JSON.parse(record.value?.toString('utf8') ?? '');
  } catch {
    throw new EventDecodeError(`${type}: message value is not JSON`, 'invalid_json');
  }
  const attrs: Record<string, string | undefined> = {};
  for (const name of ATTRIBUTE_NAMES) attrs[name] = headerValue(headers, `${CE_HEADER_PREFIX}${name}`);
  const envelope = {
    ...attrs,
    datacontenttype: 'application/json',
    traceparent: headerValue(headers, 'traceparent'),
    tracestate: headerValue(headers, 'tracestate'),
    data,
  } as EventEnvelope<unknown>;
  return { definition, envelope: validateEnvelope(definition, envelope) };
}
