import type { EnvelopeOf, EventData, EventDefinition } from '@lib/contracts';
import type { PublishOptions } from './envelope';

/**
 * Publishes events. The one way services emit: validates the data, keys the record by the event's key,
 * stamps trace context. Inside a unit of work (a database transaction) events go to the transactional
 * outbox and are published after commit; outside one they are published at once and the promise resolves
 * when the transport acknowledged them (Kafka: acks=all).
 */
export abstract class EventPublisher {
  abstract publish<D extends EventDefinition>(
    definition: D,
    data: EventData<D>,
    options: PublishOptions,
  ): Promise<EnvelopeOf<D>>;
}
