import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { PII_KINDS, type RedactionCounts } from './pii-kinds';
import { redactPii, type KnownNames, type PiiRedactor } from './pii-redactor';

/** Who spoke: the prospect, the rep, or the assistant (a reply or a suggestion). */
export type InteractionRole = 'prospect' | 'rep' | 'assistant';

export interface Interaction {
  /** What happened, e.g. the event type: `turn.received`, `reply.generated`, `turn.failed`. */
  readonly kind: string;
  readonly tenantId: string;
  readonly conversationId: string;
  readonly turnId?: string;
  readonly role: InteractionRole;
  /** The raw text; only its redacted form is kept. */
  readonly text?: string;
  /** Known names to redact besides the patterns (the prospect's name, CRM contacts). */
  readonly names?: KnownNames;
  /** More fields for the record (reply id, prompt version, sequence); never put raw text here. */
  readonly attributes?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface InteractionLogOptions {
  /** The redacted text is cut to this many characters (default 2000; 0 logs no text, only lengths). */
  readonly maxTextLength?: number;
  readonly redactor?: PiiRedactor;
}

/** One structured, redacted log object per interaction; field names follow the pino/OTel log correlation. */
export interface InteractionLogRecord {
  readonly event: 'interaction';
  readonly kind: string;
  readonly tenantId: string;
  readonly conversationId: string;
  readonly turnId: string | null;
  readonly role: InteractionRole;
  /** Redacted (and possibly cut) text; null when there is none or `maxTextLength` is 0. */
  readonly text: string | null;
  /** Characters of the raw text. */
  readonly textLength: number;
  /** Characters of the redacted text before any cut. */
  readonly redactedLength: number;
  readonly textTruncated: boolean;
  /** Replacements per kind, only the kinds found. */
  readonly redactions: Partial<RedactionCounts>;
  /** From the active OpenTelemetry span, when there is one (same keys as the pino instrumentation). */
  readonly trace_id?: string;
  readonly span_id?: string;
  readonly [attribute: string]: unknown;
}

export const DEFAULT_MAX_LOGGED_TEXT = 2000;

/**
 * Builds the log object of one interaction: ids, role, kind, the text redacted (e-mails, phones, cards, IBANs,
 * SSNs, known names), lengths, and the trace and span ids of the active context. Log it with any structured
 * logger: `logger.log(interactionLogRecord({...}))` (nestjs-pino writes the object's fields as JSON).
 */
export function interactionLogRecord(
  interaction: Interaction,
  options: InteractionLogOptions = {},
): InteractionLogRecord {
  const max = Math.max(0, options.maxTextLength ?? DEFAULT_MAX_LOGGED_TEXT);
  const raw = interaction.text ?? '';
  const redacted = options.redactor
    ? options.redactor.redact(raw, interaction.names)
    : redactPii(raw, interaction.names);
  const redactions: Partial<RedactionCounts> = {};
  for (const kind of PII_KINDS) if (redacted.counts[kind] > 0) redactions[kind] = redacted.counts[kind];

  const spanContext = trace.getSpan(context.active())?.spanContext();
  const traceIds =
    spanContext && isSpanContextValid(spanContext)
      ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
      : {};

  const text = interaction.text === undefined || max === 0 ? null : redacted.text.slice(0, max);
  return {
    ...interaction.attributes,
    event: 'interaction',
    kind: interaction.kind,
    tenantId: interaction.tenantId,
    conversationId: interaction.conversationId,
    turnId: interaction.turnId ?? null,
    role: interaction.role,
    text,
    textLength: raw.length,
    redactedLength: redacted.text.length,
    textTruncated: text !== null && redacted.text.length > max,
    redactions,
    ...traceIds,
  };
}
