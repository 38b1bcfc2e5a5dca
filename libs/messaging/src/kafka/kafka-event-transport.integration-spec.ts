import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, Injectable, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  TurnReceived,
  Topics,
  deadLetterTopic,
  newId,
  toKafkaRecord,
  type EnvelopeOf,
  type TurnReceivedData,
} from '@lib/contracts';
import { PostgresInboxStore, UnitOfWork, messagingTablesMigration } from '@lib/database';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage } from 'kafkajs';
import { DefaultEventPublisher } from '../default-event-publisher';
import { DeadLetterHeaders } from '../delivery';
import { createEnvelope } from '../envelope';
import { OnEvent } from '../on-event.decorator';
import { DeliveryContext } from '../pipeline/incoming-record';
import { ensureTopics } from './ensure-topics';
import { KafkaEventTransport } from './kafka-event-transport';
import { KafkaRecordSink } from './kafka-record-sink';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const SCHEMA = 'msgtest';
const TOPIC = Topics.turns.name;
const RUN = randomUUID().slice(0, 8);

jest.setTimeout(120_000);

interface HandledTurn {
  readonly eventId: string;
  readonly sequence: number;
  readonly partition: number;
  readonly offset: string;
}

/** Shared between the test and the handler: which conversations are this run's, what the handler saw. */
@Injectable()
class Probe {
  readonly conversations = new Set<string>();
  readonly started: HandledTurn[] = [];
  readonly handled: HandledTurn[] = [];
  /** Turns whose text is `block` wait here after writing their effect, until released. */
  gate: Promise<void> = Promise.resolve();
}

@Controller()
class TurnEffects {
  constructor(
    private readonly probe: Probe,
    private readonly uow: UnitOfWork,
  ) {}

  @OnEvent(TurnReceived)
  async onTurn(
    @Payload() event: EnvelopeOf<typeof TurnReceived>,
    @Ctx() ctx: DeliveryContext,
  ): Promise<void> {
    // Topic names are fixed: records of earlier runs are ignored.
    if (!this.probe.conversations.has(event.data.conversationId)) return;
    const turn = {
      eventId: event.id,
      sequence: event.data.sequence,
      partition: ctx.partition,
      offset: ctx.offset,
    };
    this.probe.started.push(turn);
    if (event.data.text === 'always fails') throw new Error('handler cannot cope with this turn');
    await this.uow.manager.query(
      `INSERT INTO "${SCHEMA}"."effects" ("event_id", "conversation_id", "sequence") VALUES ($1, $2, $3)`,
      [event.id, event.data.conversationId, event.data.sequence],
    );
    if (event.data.text === 'block') await this.probe.gate;
    this.probe.handled.push(turn);
  }
}

function turnData(conversationId: string, sequence: number, text: string): TurnReceivedData {
  return {
    conversationId,
    turnId: newId(),
    sequence,
    role: 'prospect',
    text,
    conversation: { mode: 'assist', prospect: { email: 'ada@example.com' } },
    receivedAt: new Date().toISOString(),
  };
}

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('KafkaEventTransport on a real broker and PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let sink: KafkaRecordSink;
  let publisher: DefaultEventPublisher;
  let admin: Admin;
  let kafka: Kafka;
  const apps: INestMicroservice[] = [];

  beforeAll(async () => {
    await ensureTopics(BROKERS, { partitions: 3, replicationFactor: 1, topics: [TOPIC] });
    db = await createMigratedDatabase({
      schema: SCHEMA,
      entities: [],
      migrations: [messagingTablesMigration(SCHEMA)],
    });
    await db.dataSource.query(`CREATE TABLE "${SCHEMA}"."effects" (
      "id" bigserial PRIMARY KEY, "event_id" varchar(128) NOT NULL,
      "conversation_id" varchar(64) NOT NULL, "sequence" int NOT NULL)`);
    sink = new KafkaRecordSink({ brokers: BROKERS, clientId: `msgtest-${RUN}` });
    publisher = new DefaultEventPublisher('/sales-agent/msgtest', sink);
    kafka = new Kafka({ clientId: `msgtest-admin-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await admin?.disconnect();
    await sink?.close();
    await db?.close();
  });

  /**
   * Commits the topic's current end offsets for a new group, so it neither replays earlier runs' records nor
   * races the first records of this test. (`resetOffsets({ earliest: false })` only stores -1 markers.)
   */
  async function positionAtEnd(groupId: string, topic: string): Promise<void> {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  }

  /** A consumer group of its own, positioned at the end of the topic. */
  async function freshGroup(label: string): Promise<string> {
    const group = `msgtest-${label}-${RUN}`;
    await positionAtEnd(`${group}.${TOPIC}`, TOPIC);
    return group;
  }

  async function startService(
    group: string,
    probe: Probe,
    options: { shutdownTimeoutMs?: number } = {},
  ): Promise<{ app: INestMicroservice; transport: KafkaEventTransport }> {
    @Module({
      controllers: [TurnEffects],
      providers: [
        { provide: Probe, useValue: probe },
        { provide: UnitOfWork, useValue: db.uow },
      ],
    })
    class EffectsModule {}
    const transport = new KafkaEventTransport({
      brokers: BROKERS,
      clientId: `msgtest-${RUN}`,
      groupId: group,
      inbox: new PostgresInboxStore(db.uow),
      deadLetters: sink,
      retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100 },
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      shutdownTimeoutMs: options.shutdownTimeoutMs,
    });
    const app = await NestFactory.createMicroservice(EffectsModule, {
      strategy: transport,
      logger: ['error'],
    });
    apps.push(app);
    await app.listen();
    return { app, transport };
  }

  async function effectCount(eventId: string): Promise<number> {
    const rows: { count: string }[] = await db.dataSource.query(
      `SELECT count(*) AS count FROM "${SCHEMA}"."effects" WHERE "event_id" = $1`,
      [eventId],
    );
    return Number(rows[0].count);
  }

  async function committedOffset(group: string, partition: number): Promise<bigint> {
    const [topic] = await admin.fetchOffsets({ groupId: `${group}.${TOPIC}`, topics: [TOPIC] });
    const entry = topic.partitions.find((p) => p.partition === partition);
    return BigInt(entry?.offset ?? '-1');
  }

  /** Collects this run's dead letters of the turns topic, for one consumer group. */
  async function readDeadLetters(
    group: string,
  ): Promise<{ messages: KafkaMessage[]; stop: () => Promise<void> }> {
    const dlq = deadLetterTopic(TOPIC);
    const readerGroup = `msgtest-dlq-reader-${group}`;
    await positionAtEnd(readerGroup, dlq);
    const consumer: Consumer = kafka.consumer({ groupId: readerGroup });
    const messages: KafkaMessage[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [dlq] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.headers?.[DeadLetterHeaders.consumerGroup]?.toString() === group) messages.push(message);
      },
    });
    return { messages, stop: () => consumer.disconnect() };
  }

  it('delivers a published event through a Nest microservice, once ready, and commits after the effect', async () => {
    const probe = new Probe();
    const group = await freshGroup('deliver');
    const { transport } = await startService(group, probe);
    expect(transport.isReady()).toBe(true);

    const conversationId = newId();
    probe.conversations.add(conversationId);
    const published = await publisher.publish(TurnReceived, turnData(conversationId, 1, 'Hello, pricing?'), {
      tenantId: 'tenant-msgtest',
    });

    await waitFor('the turn to be handled', () => probe.handled.length === 1);
    const [turn] = probe.handled;
    expect(turn.eventId).toBe(published.id);
    expect(await effectCount(published.id)).toBe(1);
    // At least past it: other suites publish to the same topic, and this group commits their records too
    // (an equality check raced them and timed out when a later record's commit came first).
    await waitFor(
      'the offset commit',
      async () => (await committedOffset(group, turn.partition)) >= BigInt(turn.offset) + 1n,
    );
  });

  it('dead-letters poison messages with the reason in headers, and the partition keeps flowing', async () => {
    const probe = new Probe();
    const group = await freshGroup('poison');
    const deadLetters = await readDeadLetters(group);
    try {
      await startService(group, probe);
      const conversationId = newId();
      probe.conversations.add(conversationId);
      const record = (sequence: number, text: string) =>
        toKafkaRecord(
          TurnReceived,
          createEnvelope(
            TurnReceived,
            turnData(conversationId, sequence, text),
            { tenantId: 't' },
            '/msgtest',
          ),
        );
      const badJson = { ...record(1, 'x'), value: Buffer.from('{"conversationId": ') };
      const valid2 = record(2, 'x');
      const schemaViolation = {
        ...valid2,
        value: Buffer.from(JSON.stringify({ ...JSON.parse(valid2.value.toString()), role: 'robot' })),
      };
      // All on one key, so one partition: the valid turn comes after three poison records.
      await sink.send(TOPIC, [badJson, schemaViolation, record(3, 'always fails'), record(4, 'fine')]);

      await waitFor('the valid turn after the poison', () => probe.handled.some((t) => t.sequence === 4));
      await waitFor('three dead letters', () => deadLetters.messages.length === 3);

      const headers = deadLetters.messages.map((m) =>
        Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString()])),
      );
      expect(headers.map((h) => h[DeadLetterHeaders.reason])).toEqual([
        'invalid_event',
        'invalid_event',
        'handler_failed',
      ]);
      expect(headers[0][DeadLetterHeaders.error]).toContain('not JSON');
      expect(headers[1][DeadLetterHeaders.error]).toContain('role');
      expect(headers[2][DeadLetterHeaders.error]).toBe('Error: handler cannot cope with this turn');
      expect(headers[2][DeadLetterHeaders.attempts]).toBe('3');
      for (const h of headers) {
        expect(h[DeadLetterHeaders.originalTopic]).toBe(TOPIC);
        expect(h.ce_type).toBe(TurnReceived.type);
        expect(h[DeadLetterHeaders.originalOffset]).toMatch(/^\d+$/);
      }
      expect(deadLetters.messages[0].value?.toString()).toBe('{"conversationId": ');
      expect(deadLetters.messages.map((m) => m.key?.toString())).toEqual([
        conversationId,
        conversationId,
        conversationId,
      ]);
      expect(probe.started.filter((t) => t.sequence === 3)).toHaveLength(3);
      expect(probe.handled.map((t) => t.sequence)).toEqual([4]);
    } finally {
      await deadLetters.stop();
    }
  });

  it('handles an event published twice with one effect (inbox)', async () => {
    const probe = new Probe();
    const group = await freshGroup('twice');
    await startService(group, probe);
    const conversationId = newId();
    probe.conversations.add(conversationId);
    const envelope = createEnvelope(
      TurnReceived,
      turnData(conversationId, 1, 'x'),
      { tenantId: 't' },
      '/msgtest',
    );
    const record = toKafkaRecord(TurnReceived, envelope);
    await sink.send(TOPIC, [record]);
    await sink.send(TOPIC, [record]);
    await publisher.publish(TurnReceived, turnData(conversationId, 2, 'after'), { tenantId: 't' });

    await waitFor('the turn after the duplicate', () => probe.handled.some((t) => t.sequence === 2));
    expect(probe.started.filter((t) => t.eventId === envelope.id)).toHaveLength(1);
    expect(await effectCount(envelope.id)).toBe(1);
  });

  it('redelivers a record whose consumer stopped before the commit, without a second effect', async () => {
    const probe = new Probe();
    const group = await freshGroup('crash');
    const first = await startService(group, probe, { shutdownTimeoutMs: 300 });
    const conversationId = newId();
    probe.conversations.add(conversationId);
    let release: () => void = () => undefined;
    probe.gate = new Promise<void>((resolve) => (release = resolve));

    const blocked = await publisher.publish(TurnReceived, turnData(conversationId, 1, 'block'), {
      tenantId: 't',
    });
    const next = await publisher.publish(TurnReceived, turnData(conversationId, 2, 'next'), {
      tenantId: 't',
    });
    await waitFor('the first turn to start', () => probe.started.length === 1);
    const [inFlight] = probe.started;

    // Shutdown gives up on the record in flight; the handler's transaction commits afterwards.
    const closing = first.app.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    await closing;
    await waitFor('the first effect to commit', async () => (await effectCount(blocked.id)) === 1);
    expect(probe.handled.map((t) => t.sequence)).toEqual([1]);
    expect(await committedOffset(group, inFlight.partition)).toBe(BigInt(inFlight.offset));

    // The group's next member gets the record again: the inbox skips it, the next turn is handled.
    await startService(group, probe);
    await waitFor('the next turn', () => probe.handled.some((t) => t.eventId === next.id));
    expect(probe.started.filter((t) => t.eventId === blocked.id)).toHaveLength(1);
    expect(await effectCount(blocked.id)).toBe(1);
    expect(await effectCount(next.id)).toBe(1);
    await waitFor(
      'the commit past both turns',
      async () => (await committedOffset(group, inFlight.partition)) >= BigInt(inFlight.offset) + 2n,
    );
  });
});
