import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Catch,
  Controller,
  Injectable,
  Module,
  UseFilters,
  type ExceptionFilter,
  type INestMicroservice,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  ConversationStarted,
  TurnReceived,
  Topics,
  newId,
  toKafkaRecord,
  type EnvelopeOf,
  type TurnReceivedData,
} from '@lib/contracts';
import { of, type Observable } from 'rxjs';
import { DefaultEventPublisher } from '../default-event-publisher';
import { DeadLetterHeaders, type InboxStore } from '../delivery';
import { createEnvelope } from '../envelope';
import { InMemoryInboxStore } from '../in-memory-inbox-store';
import { OnEvent } from '../on-event.decorator';
import { PermanentError } from '../pipeline/errors';
import { DeliveryContext } from '../pipeline/incoming-record';
import type { RetryOptions } from '../pipeline/retry-options';
import { InProcessEventBus } from './in-process-event-bus';
import { InProcessEventTransport } from './in-process-event-transport';
import { InProcessRecordSink } from './in-process-record-sink';

const GROUP = 'test-service';
const FAST_RETRY: Partial<RetryOptions> = { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 };

type Behaviour = (envelope: EnvelopeOf<typeof TurnReceived>, attempt: number) => Promise<void>;

interface Delivery {
  readonly envelope: EnvelopeOf<typeof TurnReceived>;
  readonly topic: string;
  readonly consumerGroup: string;
  readonly attempt: number;
}

/** What the test service's handlers saw and did. */
@Injectable()
class Probe {
  readonly attempts: Delivery[] = [];
  /** Effects of successful handler runs (committed with the inbox entry). */
  readonly effects: Delivery[] = [];
  lifecycleCalls = 0;
  behaviour: Behaviour = async () => undefined;
}

@Controller()
class TurnHandlers {
  constructor(private readonly probe: Probe) {}

  @OnEvent(TurnReceived)
  async onTurn(
    @Payload() envelope: EnvelopeOf<typeof TurnReceived>,
    @Ctx() context: DeliveryContext,
  ): Promise<void> {
    const delivery = {
      envelope,
      topic: context.topic,
      consumerGroup: context.consumerGroup,
      attempt: context.attempt,
    };
    this.probe.attempts.push(delivery);
    await this.probe.behaviour(envelope, context.attempt);
    this.probe.effects.push(delivery);
  }
}

/** A filter that swallows every error, as a careless app-level filter would. */
@Catch()
class SwallowEverything implements ExceptionFilter {
  catch(): Observable<undefined> {
    return of(undefined);
  }
}

@Controller()
@UseFilters(SwallowEverything)
class LifecycleHandlers {
  constructor(private readonly probe: Probe) {}

  @OnEvent(ConversationStarted)
  onStarted(): void {
    this.probe.lifecycleCalls += 1;
    throw new Error('lifecycle handler is broken');
  }
}

interface Service {
  readonly app: INestMicroservice;
  readonly probe: Probe;
  readonly transport: InProcessEventTransport;
}

async function startService(
  bus: InProcessEventBus,
  options: { inbox?: InboxStore; retry?: Partial<RetryOptions>; probe?: Probe } = {},
): Promise<Service> {
  const probe = options.probe ?? new Probe();
  @Module({
    controllers: [TurnHandlers, LifecycleHandlers],
    providers: [{ provide: Probe, useValue: probe }],
  })
  class TestServiceModule {}
  const transport = new InProcessEventTransport({
    bus,
    groupId: GROUP,
    inbox: options.inbox,
    retry: options.retry ?? FAST_RETRY,
  });
  const app = await NestFactory.createMicroservice(TestServiceModule, { strategy: transport, logger: false });
  await app.listen();
  return { app, probe, transport };
}

function turnData(
  conversationId: string,
  sequence = 1,
  text = 'What does the premium plan cost?',
): TurnReceivedData {
  return {
    conversationId,
    turnId: newId(),
    sequence,
    role: 'prospect',
    text,
    conversation: { mode: 'assist', prospect: { name: 'Ada Lovelace', company: 'Analytical Engines' } },
    receivedAt: new Date().toISOString(),
  };
}

describe('InProcessEventTransport (shared delivery pipeline through a Nest microservice)', () => {
  let bus: InProcessEventBus;
  let publisher: DefaultEventPublisher;
  let service: Service | undefined;

  beforeEach(() => {
    bus = new InProcessEventBus({ partitions: 3 });
    publisher = new DefaultEventPublisher('/sales-agent/test', new InProcessRecordSink(bus));
  });

  afterEach(async () => {
    await service?.app.close();
    service = undefined;
    await bus.close();
  });

  it('delivers a valid event to its handler with the validated envelope and its delivery context', async () => {
    service = await startService(bus, { inbox: new InMemoryInboxStore() });
    const data = turnData(newId());
    const published = await publisher.publish(TurnReceived, data, { tenantId: 'tenant-a' });
    await bus.drain();

    expect(service.probe.effects).toHaveLength(1);
    const [delivery] = service.probe.effects;
    expect(delivery.envelope).toEqual({ ...published, causationid: undefined, correlationid: undefined });
    expect(delivery.envelope.data).toEqual(data);
    expect(delivery.envelope.tenantid).toBe('tenant-a');
    expect(delivery.topic).toBe(Topics.turns.name);
    expect(delivery.consumerGroup).toBe(GROUP);
    expect(delivery.attempt).toBe(1);
    expect(bus.deadLetters(Topics.turns.name)).toHaveLength(0);
    expect(service.transport.isReady()).toBe(true);
  });

  it('dead-letters a record whose data violates the schema, with the reason in headers, and never calls the handler', async () => {
    service = await startService(bus);
    const envelope = createEnvelope(TurnReceived, turnData(newId()), { tenantId: 't' }, '/sales-agent/test');
    const record = toKafkaRecord(TurnReceived, envelope);
    const invalid = { ...record, value: Buffer.from(JSON.stringify({ ...envelope.data, text: '' })) };
    await bus.send(Topics.turns.name, [invalid]);
    await bus.drain();

    expect(service.probe.attempts).toHaveLength(0);
    const dead = bus.deadLetters(Topics.turns.name);
    expect(dead).toHaveLength(1);
    expect(dead[0].topic).toBe(`${Topics.turns.name}.dlq`);
    expect(dead[0].key).toBe(record.key);
    expect(dead[0].value?.equals(invalid.value)).toBe(true);
    expect(dead[0].headers).toMatchObject({
      ...record.headers,
      [DeadLetterHeaders.reason]: 'invalid_event',
      [DeadLetterHeaders.originalTopic]: Topics.turns.name,
      [DeadLetterHeaders.consumerGroup]: GROUP,
      [DeadLetterHeaders.attempts]: '0',
    });
    expect(dead[0].headers[DeadLetterHeaders.error]).toContain('text');
    expect(dead[0].headers[DeadLetterHeaders.originalOffset]).toBe('0');
    expect(Date.parse(dead[0].headers[DeadLetterHeaders.failedAt])).not.toBeNaN();
  });

  it('dead-letters a record that is not JSON, and the partition keeps flowing', async () => {
    service = await startService(bus);
    const conversationId = newId();
    const envelope = createEnvelope(TurnReceived, turnData(conversationId, 1), { tenantId: 't' }, '/s');
    const poison = { ...toKafkaRecord(TurnReceived, envelope), value: Buffer.from('{not json') };
    await bus.send(Topics.turns.name, [poison]);
    await publisher.publish(TurnReceived, turnData(conversationId, 2), { tenantId: 't' });
    await bus.drain();

    const dead = bus.deadLetters(Topics.turns.name);
    expect(dead).toHaveLength(1);
    expect(dead[0].headers[DeadLetterHeaders.reason]).toBe('invalid_event');
    expect(dead[0].headers[DeadLetterHeaders.error]).toContain('not JSON');
    expect(service.probe.effects.map((d) => d.envelope.data.sequence)).toEqual([2]);
  });

  it('retries a failing handler with backoff and handles the event once when it recovers', async () => {
    service = await startService(bus, { inbox: new InMemoryInboxStore() });
    service.probe.behaviour = async (_envelope, attempt) => {
      if (attempt <= 2) throw new Error(`transient failure ${attempt}`);
    };
    await publisher.publish(TurnReceived, turnData(newId()), { tenantId: 't' });
    await bus.drain();

    expect(service.probe.attempts.map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(service.probe.effects).toHaveLength(1);
    expect(bus.deadLetters(Topics.turns.name)).toHaveLength(0);
  });

  it('dead-letters after maxAttempts with the original error and the attempt count, then moves on', async () => {
    service = await startService(bus);
    const conversationId = newId();
    service.probe.behaviour = async (envelope) => {
      if (envelope.data.sequence === 1) throw new Error('CRM is down for turn 1');
    };
    await publisher.publish(TurnReceived, turnData(conversationId, 1), { tenantId: 't' });
    await publisher.publish(TurnReceived, turnData(conversationId, 2), { tenantId: 't' });
    await bus.drain();

    const dead = bus.deadLetters(Topics.turns.name);
    expect(dead).toHaveLength(1);
    expect(dead[0].headers).toMatchObject({
      [DeadLetterHeaders.reason]: 'handler_failed',
      [DeadLetterHeaders.attempts]: '3',
      [DeadLetterHeaders.consumerGroup]: GROUP,
    });
    // The handler's own error, not Nest's generic "Internal server error".
    expect(dead[0].headers[DeadLetterHeaders.error]).toBe('Error: CRM is down for turn 1');
    expect(service.probe.attempts.filter((d) => d.envelope.data.sequence === 1)).toHaveLength(3);
    expect(service.probe.effects.map((d) => d.envelope.data.sequence)).toEqual([2]);
  });

  it('skips the retries for a PermanentError', async () => {
    service = await startService(bus);
    service.probe.behaviour = async () => {
      throw new PermanentError('turn refers to an unknown conversation');
    };
    await publisher.publish(TurnReceived, turnData(newId()), { tenantId: 't' });
    await bus.drain();

    expect(service.probe.attempts).toHaveLength(1);
    const dead = bus.deadLetters(Topics.turns.name);
    expect(dead).toHaveLength(1);
    expect(dead[0].headers[DeadLetterHeaders.attempts]).toBe('1');
    expect(dead[0].headers[DeadLetterHeaders.error]).toContain('unknown conversation');
  });

  it('treats an error swallowed by an exception filter as a failure, never as a success', async () => {
    service = await startService(bus);
    await publisher.publish(
      ConversationStarted,
      {
        conversationId: newId(),
        mode: 'assist',
        prospect: { name: 'Ada' },
        startedAt: new Date().toISOString(),
      },
      { tenantId: 't' },
    );
    await bus.drain();

    expect(service.probe.lifecycleCalls).toBe(3);
    const dead = bus.deadLetters(Topics.conversationLifecycle.name);
    expect(dead).toHaveLength(1);
    expect(dead[0].headers[DeadLetterHeaders.error]).toBe('Error: lifecycle handler is broken');
  });

  it('runs the handler once for an event delivered twice (inbox)', async () => {
    const inbox = new InMemoryInboxStore();
    service = await startService(bus, { inbox });
    const envelope = createEnvelope(TurnReceived, turnData(newId()), { tenantId: 't' }, '/sales-agent/test');
    const record = toKafkaRecord(TurnReceived, envelope);
    await bus.send(Topics.turns.name, [record]);
    await bus.send(Topics.turns.name, [record]);
    await bus.drain();

    expect(service.probe.effects).toHaveLength(1);
    expect(inbox.has(GROUP, envelope.id)).toBe(true);
  });

  it('lets a failed attempt retry through the inbox: the entry is only kept when the handler succeeded', async () => {
    const inbox = new InMemoryInboxStore();
    service = await startService(bus, { inbox });
    service.probe.behaviour = async (_envelope, attempt) => {
      if (attempt === 1) throw new Error('first attempt fails');
    };
    const published = await publisher.publish(TurnReceived, turnData(newId()), { tenantId: 't' });
    await bus.drain();

    expect(service.probe.attempts).toHaveLength(2);
    expect(service.probe.effects).toHaveLength(1);
    expect(inbox.has(GROUP, published.id)).toBe(true);
  });

  it('keeps the order of each key while other keys proceed in parallel', async () => {
    service = await startService(bus, { inbox: new InMemoryInboxStore() });
    service.probe.behaviour = async (envelope) => {
      // Uneven handler times: order must not depend on them.
      await new Promise((resolve) => setTimeout(resolve, (envelope.data.sequence * 7) % 5));
    };
    const conversations = [newId(), newId(), newId(), newId()];
    for (let sequence = 1; sequence <= 15; sequence++) {
      for (const conversationId of conversations) {
        await publisher.publish(TurnReceived, turnData(conversationId, sequence), { tenantId: 't' });
      }
    }
    await bus.drain();

    expect(service.probe.effects).toHaveLength(60);
    for (const conversationId of conversations) {
      const sequences = service.probe.effects
        .filter((d) => d.envelope.data.conversationId === conversationId)
        .map((d) => d.envelope.data.sequence);
      expect(sequences).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    }
  });

  it("delivers outside the publisher's async context (a handler never joins another service's transaction)", async () => {
    service = await startService(bus);
    await bus.drain(); // no delivery loop left from the subscription: the publish below starts one
    const transaction = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    service.probe.behaviour = async () => {
      seen.push(transaction.getStore());
    };
    await transaction.run('publisher-transaction', () =>
      publisher.publish(TurnReceived, turnData(newId()), { tenantId: 't' }),
    );
    await bus.drain();

    expect(seen).toEqual([undefined]);
  });

  it('resolves send once records are queued, before any handler ran', async () => {
    service = await startService(bus);
    await publisher.publish(TurnReceived, turnData(newId()), { tenantId: 't' });
    expect(service.probe.attempts).toHaveLength(0);
    await bus.drain();
    expect(service.probe.attempts).toHaveLength(1);
  });

  it('waits on close for the delivery in flight, and a later member of the group resumes after it', async () => {
    const inbox = new InMemoryInboxStore();
    service = await startService(bus, { inbox });
    const first = service;
    let release: () => void = () => undefined;
    first.probe.behaviour = (envelope) =>
      envelope.data.sequence === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    const conversationId = newId();
    await publisher.publish(TurnReceived, turnData(conversationId, 1), { tenantId: 't' });
    await publisher.publish(TurnReceived, turnData(conversationId, 2), { tenantId: 't' });
    while (first.probe.attempts.length === 0) await new Promise((resolve) => setImmediate(resolve));

    let closed = false;
    const closing = first.app.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(first.probe.effects.map((d) => d.envelope.data.sequence)).toEqual([1]);

    // Turn 2 was never started: the group's next member gets it, not turn 1 again.
    service = await startService(bus, { inbox });
    await bus.drain();
    expect(service.probe.attempts.map((d) => d.envelope.data.sequence)).toEqual([2]);
  });
});
