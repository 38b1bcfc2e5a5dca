import { toKafkaRecord, type EnvelopeOf, type EventData, type EventDefinition } from '@lib/contracts';
import { createEnvelope, type PublishOptions } from './envelope';
import { EventPublisher } from './event-publisher';
import type { RecordSink, TransactionalOutbox } from './delivery';

/** Publishes through the outbox inside a unit of work, straight to the sink otherwise. */
export class DefaultEventPublisher extends EventPublisher {
  constructor(
    private readonly source: string,
    private readonly sink: RecordSink,
    private readonly outbox?: TransactionalOutbox,
  ) {
    super();
  }

  async publish<D extends EventDefinition>(
    definition: D,
    data: EventData<D>,
    options: PublishOptions,
  ): Promise<EnvelopeOf<D>> {
    const envelope = createEnvelope(definition, data, options, this.source);
    if (!options.immediate && this.outbox && (await this.outbox.enqueue(definition, envelope)))
      return envelope;
    await this.sink.send(definition.topic.name, [toKafkaRecord(definition, envelope)]);
    return envelope;
  }
}
