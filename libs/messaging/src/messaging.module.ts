import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DefaultEventPublisher } from './default-event-publisher';
import { RecordSink, TransactionalOutbox } from './delivery';
import { EventPublisher } from './event-publisher';
import type { KafkaConnectionOptions, TransportKind } from './create-event-transport';
import type { InProcessEventBus } from './in-process/in-process-event-bus';
import { InProcessRecordSink } from './in-process/in-process-record-sink';
import { KafkaRecordSink } from './kafka/kafka-record-sink';

export interface MessagingModuleOptions {
  readonly serviceName: string;
  readonly transport: TransportKind;
  readonly kafka?: KafkaConnectionOptions;
  /** The process-wide bus of the embedded mode. */
  readonly bus?: InProcessEventBus;
}

export function createRecordSink(options: MessagingModuleOptions): RecordSink {
  switch (options.transport) {
    case 'kafka':
      if (!options.kafka) throw new Error('MessagingModule: the kafka transport needs kafka.brokers');
      return new KafkaRecordSink({
        brokers: options.kafka.brokers,
        clientId: `${options.kafka.clientIdPrefix ?? 'sales-agent'}-${options.serviceName}-producer`,
      });
    case 'in-process':
      if (!options.bus) throw new Error('MessagingModule: the in-process transport needs the bus');
      return new InProcessRecordSink(options.bus);
  }
}

@Injectable()
class MessagingLifecycle implements OnApplicationShutdown {
  constructor(@Inject(RecordSink) private readonly sink: RecordSink) {}

  /**
   * Nest closes connected microservices (the event transports) before the shutdown hooks run, so the
   * producer outlives every handler and dead-letter publish.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.sink.close();
    new Logger('Messaging').log('record sink closed');
  }
}

/**
 * The service's way out: `EventPublisher` (through the transactional outbox when the app has one, e.g.
 * from DatabaseModule) and the `RecordSink` behind it (Kafka producer, or the in-process bus).
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: RecordSink, useFactory: () => createRecordSink(options) },
        {
          provide: EventPublisher,
          useFactory: (sink: RecordSink, outbox?: TransactionalOutbox) =>
            new DefaultEventPublisher(`/sales-agent/${options.serviceName}`, sink, outbox),
          inject: [RecordSink, { token: TransactionalOutbox, optional: true }],
        },
        MessagingLifecycle,
      ],
      exports: [RecordSink, EventPublisher],
    };
  }
}
