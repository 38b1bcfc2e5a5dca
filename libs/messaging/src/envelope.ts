import { context, propagation } from '@opentelemetry/api';
import {
  newId,
  validateData,
  type EnvelopeOf,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
} from '@lib/contracts';

export interface PublishOptions {
  /** Tenant of the event. Required: every event carries its tenant. */
  readonly tenantId: string;
  /** Event id. Pass a deterministic id (deriveId) when redoing the work must produce the same event. */
  readonly id?: string;
  /** The event being handled when this one is emitted: sets causation and correlation ids. */
  readonly causation?: EventEnvelope<unknown>;
  /** Correlation id (the turn id for a turn's events). Defaults to the causation's correlation id. */
  readonly correlationId?: string;
  /**
   * Send now, even inside a unit of work, instead of through the outbox. Only for best-effort events that
   * clients need while the transaction is still open (streamed reply deltas); never for facts.
   */
  readonly immediate?: boolean;
}

/**
 * Builds a validated CloudEvents envelope for `data`, stamped with the active trace context so the trace
 * continues in whoever consumes the event.
 */
export function createEnvelope<D extends EventDefinition>(
  definition: D,
  data: EventData<D>,
  options: PublishOptions,
  source: string,
): EnvelopeOf<D> {
  const valid = validateData(definition, data);
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    specversion: '1.0',
    id: options.id ?? newId(),
    type: definition.type,
    source,
    subject: definition.keyOf(valid),
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    tenantid: options.tenantId,
    causationid: options.causation?.id,
    correlationid: options.correlationId ?? options.causation?.correlationid,
    traceparent: carrier.traceparent,
    tracestate: carrier.tracestate,
    data: valid,
  };
}
