import 'reflect-metadata';
import { Controller, Global, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import {
  TurnReceived,
  Topics,
  newId,
  type EnvelopeOf,
  type EventDefinition,
  type EventEnvelope,
} from '@lib/contracts';
import { createEventTransport } from './create-event-transport';
import { DefaultEventPublisher } from './default-event-publisher';
import { DeadLetterHeaders, RecordSink, TransactionalOutbox } from './delivery';
import { EventPublisher } from './event-publisher';
import { InMemoryInboxStore } from './in-memory-inbox-store';
import { InProcessEventBus } from './in-process/in-process-event-bus';
import { InProcessRecordSink } from './in-process/in-process-record-sink';
import { MessagingModule } from './messaging.module';
import { OnEvent } from './on-event.decorator';
import { PermanentError } from './pipeline/errors';

const turn = () => ({
  conversationId: newId(),
  turnId: newId(),
  sequence: 1,
  role: 'rep' as const,
  text: 'Following up on the demo',
  conversation: { mode: 'assist' as const, prospect: { name: 'Grace' } },
  receivedAt: new Date().toISOString(),
});

class RecordingOutbox extends TransactionalOutbox {
  readonly enqueued: EventEnvelope[] = [];
  active = true;
  async enqueue(_definition: EventDefinition, envelope: EventEnvelope): Promise<boolean> {
    if (!this.active) return false;
    this.enqueued.push(envelope);
    return true;
  }
}

describe('MessagingModule', () => {
  it('publishes through the outbox when the app has one, straight to the sink otherwise', async () => {
    const bus = new InProcessEventBus();
    const outbox = new RecordingOutbox();
    @Global()
    @Module({
      providers: [{ provide: TransactionalOutbox, useValue: outbox }],
      exports: [TransactionalOutbox],
    })
    class FakeDatabaseModule {}
    const app = await NestFactory.createApplicationContext(
      {
        module: class App {},
        imports: [
          FakeDatabaseModule,
          MessagingModule.forRoot({ serviceName: 'gateway', transport: 'in-process', bus }),
        ],
      },
      { logger: false },
    );
    const publisher = app.get(EventPublisher);

    const inTransaction = await publisher.publish(TurnReceived, turn(), { tenantId: 't' });
    expect(inTransaction.source).toBe('/sales-agent/gateway');
    expect(outbox.enqueued.map((e) => e.id)).toEqual([inTransaction.id]);
    expect(bus.records(Topics.turns.name)).toHaveLength(0);

    outbox.active = false;
    const direct = await publisher.publish(TurnReceived, turn(), { tenantId: 't' });
    expect(bus.records(Topics.turns.name).map((r) => r.headers.ce_id)).toEqual([direct.id]);
    await app.close();
  });

  it('works without an outbox in the app', async () => {
    const bus = new InProcessEventBus();
    const app = await NestFactory.createApplicationContext(
      MessagingModule.forRoot({ serviceName: 'evaluator', transport: 'in-process', bus }),
      { logger: false },
    );
    await app.get(EventPublisher).publish(TurnReceived, turn(), { tenantId: 't' });
    expect(bus.records(Topics.turns.name)).toHaveLength(1);
    await app.close();
  });

  it('closes the sink on shutdown, after the event transport finished its deliveries', async () => {
    const bus = new InProcessEventBus();
    const order: string[] = [];
    let release: () => void = () => undefined;

    @Controller()
    class SlowHandler {
      @OnEvent(TurnReceived)
      async onTurn(): Promise<void> {
        order.push('handler started');
        await new Promise<void>((resolve) => (release = resolve));
        order.push('handler finished');
      }
    }
    @Module({
      imports: [MessagingModule.forRoot({ serviceName: 'orchestrator', transport: 'in-process', bus })],
      controllers: [SlowHandler],
    })
    class ServiceModule {}

    const app = await NestFactory.create(ServiceModule, { logger: false });
    const sink = app.get(RecordSink);
    const close = sink.close.bind(sink);
    sink.close = async () => {
      order.push('sink closed');
      await close();
    };
    app.connectMicroservice(
      {
        strategy: createEventTransport({
          transport: 'in-process',
          serviceName: 'orchestrator',
          delivery: 'shared',
          inbox: new InMemoryInboxStore(),
          bus,
        }),
      },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    await app.init();
    await app.get(EventPublisher).publish(TurnReceived, turn(), { tenantId: 't' });
    while (order.length === 0) await new Promise((resolve) => setImmediate(resolve));

    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await closing;
    expect(order).toEqual(['handler started', 'handler finished', 'sink closed']);
  });
});

describe('createEventTransport', () => {
  it('gives every broadcast instance its own group, from the end of the topics, without inbox', async () => {
    const bus = new InProcessEventBus();
    const publisher = new DefaultEventPublisher('/sales-agent/test', new InProcessRecordSink(bus));
    const inbox = new InMemoryInboxStore();
    const relayed: number[] = [];
    @Controller()
    class Relay {
      @OnEvent(TurnReceived)
      relay(@Payload() event: EnvelopeOf<typeof TurnReceived>): void {
        relayed.push(event.data.sequence);
      }
    }
    @Module({ controllers: [Relay] })
    class RelayModule {}
    const start = async (): Promise<INestMicroservice> => {
      const strategy = createEventTransport({
        transport: 'in-process',
        serviceName: 'gateway',
        delivery: 'broadcast',
        inbox,
        bus,
      });
      const app = await NestFactory.createMicroservice(RelayModule, { strategy, logger: false });
      await app.listen();
      return app;
    };

    await publisher.publish(TurnReceived, { ...turn(), sequence: 1 }, { tenantId: 't' });
    const instances = [await start(), await start()];
    const live = await publisher.publish(TurnReceived, { ...turn(), sequence: 2 }, { tenantId: 't' });
    await bus.drain();

    expect(relayed).toEqual([2, 2]);
    expect(inbox.has('gateway', live.id)).toBe(false);
    for (const app of instances) await app.close();
  });

  it('uses the given consumer group for the inbox and the dead letters', async () => {
    const bus = new InProcessEventBus();
    const inbox = new InMemoryInboxStore();
    @Controller()
    class Handler {
      @OnEvent(TurnReceived)
      handle(): void {
        throw new PermanentError('refused');
      }
    }
    @Module({ controllers: [Handler] })
    class HandlerModule {}
    const strategy = createEventTransport({
      transport: 'in-process',
      serviceName: 'persistence',
      delivery: 'shared',
      consumerGroup: 'ci-42.persistence',
      inbox,
      bus,
    });
    const app = await NestFactory.createMicroservice(HandlerModule, { strategy, logger: false });
    await app.listen();
    await new DefaultEventPublisher('/t', new InProcessRecordSink(bus)).publish(TurnReceived, turn(), {
      tenantId: 't',
    });
    await bus.drain();

    const [dead] = bus.deadLetters(Topics.turns.name);
    expect(dead.headers[DeadLetterHeaders.consumerGroup]).toBe('ci-42.persistence');
    await app.close();
  });

  it('refuses a Kafka transport without brokers, and an in-process one without the bus', () => {
    expect(() => createEventTransport({ transport: 'kafka', serviceName: 's', delivery: 'shared' })).toThrow(
      'brokers',
    );
    expect(() =>
      createEventTransport({ transport: 'in-process', serviceName: 's', delivery: 'shared' }),
    ).toThrow('bus');
  });
});
