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
  type KafkaRecord,
  type TurnReceivedData,
} from '@lib/contracts';
import { PostgresInboxStore, UnitOfWork, messagingTablesMigration } from '@lib/database';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage } from 'kafkajs';
import { DeadLetterHeaders } from '../delivery';
import { createEnvelope } from '../envelope';
import { OnEvent } from '../on-event.decorator';
import { chunkRecords, conversationLockKey } from '../pipeline/batch-delivery';
import { DeliveryContext } from '../pipeline/incoming-record';
import { ensureTopics } from './ensure-topics';
import { KafkaEventTransport } from './kafka-event-transport';
import { KafkaRecordSink } from './kafka-record-sink';

/**
 * Batched delivery (`batch: { maxRecords }`, kafkajs eachBatch) on the real broker and PostgreSQL: chunks
 * of one partition in one transaction and one offset commit, and the record-by-record fallback.
 */
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const SCHEMA = 'msgbatch';
const TOPIC = Topics.turns.name;
const RUN = randomUUID().slice(0, 8);

jest.setTimeout(120_000);

interface SeenTurn {
  readonly eventId: string;
  readonly sequence: number;
  readonly partition: number;
  readonly offset: string;
}

@Injectable()
class Probe {
  readonly conversations = new Set<string>();
  /** Every handler call, including those of rolled-back chunks. */
  readonly started: SeenTurn[] = [];
  /** Turns whose handler returned (their chunk may still roll back). */
  readonly handled: SeenTurn[] = [];
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
      `INSERT INTO "${SCHEMA}"."effects" ("event_id", "sequence") VALUES ($1, $2)`,
      [event.id, event.data.sequence],
    );
    if (event.data.text === 'block') await this.probe.gate;
    this.probe.handled.push(turn);
  }
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

/** Turns of one conversation (one key, so one partition), as records. */
class Conversation {
  readonly id = newId();
  readonly envelopes: EnvelopeOf<typeof TurnReceived>[] = [];

  constructor(probe: Probe) {
    probe.conversations.add(this.id);
  }

  turn(text = 'Hello, pricing?'): KafkaRecord {
    const data: TurnReceivedData = {
      conversationId: this.id,
      turnId: newId(),
      sequence: this.envelopes.length + 1,
      role: 'prospect',
      text,
      conversation: { mode: 'assist', prospect: { email: 'ada@example.com' } },
      receivedAt: new Date().toISOString(),
    };
    const envelope = createEnvelope(TurnReceived, data, { tenantId: 'tenant-batch' }, '/msgbatch');
    this.envelopes.push(envelope);
    return toKafkaRecord(TurnReceived, envelope);
  }
}

describe('KafkaEventTransport batched delivery on a real broker and PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let sink: KafkaRecordSink;
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
      "id" bigserial PRIMARY KEY, "event_id" varchar(128) NOT NULL, "sequence" int NOT NULL)`);
    sink = new KafkaRecordSink({ brokers: BROKERS, clientId: `msgbatch-${RUN}` });
    kafka = new Kafka({ clientId: `msgbatch-admin-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await admin?.disconnect();
    await sink?.close();
    await db?.close();
  });

  async function positionAtEnd(groupId: string, topic: string): Promise<void> {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  }

  async function freshGroup(label: string): Promise<string> {
    const group = `msgbatch-${label}-${RUN}`;
    await positionAtEnd(`${group}.${TOPIC}`, TOPIC);
    return group;
  }

  /**
   * A member of `group` with batched delivery. `commits` collects the offsets it commits; `fetched` the
   * offsets of each batch kafkajs handed it (other suites may write to the same topic at the same time, so
   * tests derive the chunks from what was really fetched).
   */
  async function startMember(
    group: string,
    probe: Probe,
    options: { maxRecords: number; shutdownTimeoutMs?: number },
  ): Promise<Member> {
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
      clientId: `msgbatch-${RUN}`,
      groupId: group,
      inbox: new PostgresInboxStore(db.uow),
      deadLetters: sink,
      retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100 },
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      shutdownTimeoutMs: options.shutdownTimeoutMs,
      batch: { maxRecords: options.maxRecords, concurrentTransactions: 4, lockKey: conversationLockKey },
    });
    const app = await NestFactory.createMicroservice(EffectsModule, {
      strategy: transport,
      logger: ['error'],
    });
    apps.push(app);
    await app.listen();
    const member: Member = { app, commits: [], fetched: [], irregular: [] };
    transport.on('consumer.commit_offsets', (event) => {
      const { topics } = (event as { payload: { topics: CommitPayloadTopic[] } }).payload;
      for (const t of topics) {
        for (const p of t.partitions)
          member.commits.push({ partition: p.partition, offset: BigInt(p.offset) });
      }
    });
    transport.on('consumer.start_batch_process', (event) => {
      const batch = (event as { payload: FetchedBatch }).payload;
      const offsets: bigint[] = [];
      for (let o = BigInt(batch.firstOffset); o <= BigInt(batch.lastOffset); o += 1n) offsets.push(o);
      // No compaction nor transactions on this topic: a batch is a contiguous run of offsets.
      if (offsets.length !== batch.batchSize) member.irregular.push(JSON.stringify(batch));
      member.fetched.push({ partition: batch.partition, offsets });
    });
    return member;
  }

  interface Member {
    readonly app: INestMicroservice;
    readonly commits: { partition: number; offset: bigint }[];
    readonly fetched: { partition: number; offsets: bigint[] }[];
    /** Batches whose offsets are not contiguous (none expected): `chunksHolding` would be wrong. */
    readonly irregular: string[];
  }

  /** The offsets committed on one partition, in order. */
  const commitsOn = (member: Member, partition: number): bigint[] =>
    member.commits.filter((c) => c.partition === partition).map((c) => c.offset);

  interface CommitPayloadTopic {
    readonly topic: string;
    readonly partitions: { partition: number; offset: string }[];
  }

  interface FetchedBatch {
    readonly partition: number;
    readonly firstOffset: string;
    readonly lastOffset: string;
    readonly batchSize: number;
  }

  /** The chunks (offsets) that held these records of `partition`: each fetched batch cut every `maxRecords`. */
  function chunksHolding(
    member: Member,
    partition: number,
    offsets: bigint[],
    maxRecords: number,
  ): bigint[][] {
    expect(member.irregular).toEqual([]);
    return member.fetched
      .filter((batch) => batch.partition === partition && batch.offsets.some((o) => offsets.includes(o)))
      .flatMap((batch) => chunkRecords(batch.offsets, maxRecords))
      .filter((chunk) => chunk.some((o) => offsets.includes(o)));
  }

  const offsetOf = (probe: Probe, eventId: string): bigint => {
    const seen = probe.started.find((t) => t.eventId === eventId);
    if (!seen) throw new Error(`${eventId} was not delivered`);
    return BigInt(seen.offset);
  };

  async function effectCount(eventId: string): Promise<number> {
    const rows: { count: string }[] = await db.dataSource.query(
      `SELECT count(*) AS count FROM "${SCHEMA}"."effects" WHERE "event_id" = $1`,
      [eventId],
    );
    return Number(rows[0].count);
  }

  /**
   * How many transactions of `group` stored these events' inbox rows (rows of one share its `now()`). The
   * members of earlier tests, still running, see the same records: their rows have their own consumer.
   */
  async function transactionsOf(group: string, eventIds: string[]): Promise<number> {
    const rows: { count: string }[] = await db.dataSource.query(
      `SELECT count(DISTINCT "processed_at") AS count FROM "${SCHEMA}"."inbox"
       WHERE "consumer" = $1 AND "event_id" = ANY($2)`,
      [group, eventIds],
    );
    return Number(rows[0].count);
  }

  async function committedOffset(group: string, partition: number): Promise<bigint> {
    const [topic] = await admin.fetchOffsets({ groupId: `${group}.${TOPIC}`, topics: [TOPIC] });
    return BigInt(topic.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
  }

  async function readDeadLetters(
    group: string,
  ): Promise<{ messages: KafkaMessage[]; stop: () => Promise<void> }> {
    const dlq = deadLetterTopic(TOPIC);
    const readerGroup = `msgbatch-dlq-reader-${group}`;
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

  it('stores a batch of N events with one transaction and one offset commit per chunk', async () => {
    const probe = new Probe();
    const group = await freshGroup('chunks');
    const member = await startMember(group, probe, { maxRecords: 10 });
    const conversation = new Conversation(probe);
    // One send, one key: the 25 records are appended together (one partition) and fetched together.
    await sink.send(
      TOPIC,
      Array.from({ length: 25 }, () => conversation.turn()),
    );

    await waitFor('25 turns', () => probe.handled.length === 25);
    for (const envelope of conversation.envelopes) expect(await effectCount(envelope.id)).toBe(1);
    expect(probe.started).toHaveLength(25);
    const ours = conversation.envelopes.map((e) => offsetOf(probe, e.id));
    const partition = probe.handled[0].partition;
    const chunks = chunksHolding(member, partition, ours, 10);
    // 10 + 10 + 5 when nothing else was fetched with them; one more if another suite's records were.
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks.length).toBeLessThanOrEqual(4);
    const ends = chunks.map((chunk) => chunk[chunk.length - 1] + 1n);
    const first = chunks[0][0];
    const last = ends[ends.length - 1];
    await waitFor('the last commit', () => commitsOn(member, partition).includes(last));
    expect(commitsOn(member, partition).filter((offset) => offset > first && offset <= last)).toEqual(ends);
    // now() is the transaction's start: the inbox rows of one chunk share it.
    expect(
      await transactionsOf(
        group,
        conversation.envelopes.map((e) => e.id),
      ),
    ).toBe(chunks.length);
    expect(await committedOffset(group, partition)).toBeGreaterThanOrEqual(last);
  });

  it('rolls back a chunk with a poison record and redoes it record by record: the others once, the poison one dead-lettered', async () => {
    const probe = new Probe();
    const group = await freshGroup('poison');
    const deadLetters = await readDeadLetters(group);
    try {
      const member = await startMember(group, probe, { maxRecords: 4 });
      const conversation = new Conversation(probe);
      const texts = ['one', 'two', 'always fails', 'four', 'five', 'six', 'seven', 'eight'];
      await sink.send(
        TOPIC,
        texts.map((text) => conversation.turn(text)),
      );
      const envelopes = conversation.envelopes;
      const poison = envelopes[2];
      const valid = envelopes.filter((e) => e !== poison);

      await waitFor('the last turn', () => probe.handled.some((t) => t.sequence === 8));
      // This group also dead-letters other suites' poison records on the shared topic: keep ours (the key).
      const ours = () => deadLetters.messages.filter((m) => m.key?.toString() === conversation.id);
      await waitFor('the dead letter', () => ours().length >= 1);

      for (const envelope of valid) expect(await effectCount(envelope.id)).toBe(1);
      expect(await effectCount(poison.id)).toBe(0);
      expect(ours()).toHaveLength(1);
      const [dead] = ours();
      const header = (name: string) => dead.headers?.[name]?.toString();
      expect(header(DeadLetterHeaders.reason)).toBe('handler_failed');
      expect(header(DeadLetterHeaders.error)).toBe('Error: handler cannot cope with this turn');
      expect(header(DeadLetterHeaders.attempts)).toBe('3');
      expect(header('ce_id')).toBe(poison.id);

      const offsets = new Map(envelopes.map((e) => [e.id, offsetOf(probe, e.id)]));
      const partition = probe.started[0].partition;
      const chunks = chunksHolding(member, partition, [...offsets.values()], 4);
      const poisonChunk = chunks.find((chunk) => chunk.includes(offsets.get(poison.id) ?? -1n)) ?? [];
      const inPoisonChunk = (e: (typeof envelopes)[number]) => poisonChunk.includes(offsets.get(e.id) ?? -1n);
      const calls = (id: string) => probe.started.filter((t) => t.eventId === id).length;
      // The poison one: once in the chunk's transaction (rolled back), then 3 attempts on its own.
      expect(calls(poison.id)).toBe(4);
      // Its chunk's other records, each in its own transaction: those before it ran in the rolled-back
      // transaction too, those after it had not been reached.
      const redone = valid.filter(inPoisonChunk);
      expect(redone.length).toBeGreaterThan(0);
      for (const e of redone) {
        expect(calls(e.id)).toBe(e.data.sequence < poison.data.sequence ? 2 : 1);
      }
      expect(
        await transactionsOf(
          group,
          redone.map((e) => e.id),
        ),
      ).toBe(redone.length);
      // The other chunks: one transaction each, each record once.
      const others = chunks.filter((chunk) => chunk !== poisonChunk);
      for (const chunk of others) {
        const inChunk = valid.filter((e) => chunk.includes(offsets.get(e.id) ?? -1n));
        for (const e of inChunk) expect(calls(e.id)).toBe(1);
        expect(
          await transactionsOf(
            group,
            inChunk.map((e) => e.id),
          ),
        ).toBe(1);
      }
      // Order within the partition: the runs that counted (the last of each turn) are in sequence order.
      const lastRuns = new Map(probe.handled.map((t, i) => [t.eventId, i]));
      const counted = [...lastRuns.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
      expect(counted).toEqual(valid.map((e) => e.id));

      // Commits: after each record of the redone chunk, once after each other chunk.
      const expected = chunks
        .flatMap((chunk) => (chunk === poisonChunk ? chunk : [chunk[chunk.length - 1]]))
        .map((offset) => offset + 1n);
      const last = expected[expected.length - 1];
      await waitFor('the last commit', () => commitsOn(member, partition).includes(last));
      expect(
        commitsOn(member, partition).filter((offset) => offset > chunks[0][0] && offset <= last),
      ).toEqual(expected);
    } finally {
      await deadLetters.stop();
    }
  });

  it('stores an event duplicated inside a batch once', async () => {
    const probe = new Probe();
    const group = await freshGroup('duplicates');
    await startMember(group, probe, { maxRecords: 10 });
    const conversation = new Conversation(probe);
    const a = conversation.turn('a');
    const b = conversation.turn('b');
    await sink.send(TOPIC, [a, a, b, a]);
    const [first, second] = conversation.envelopes;

    await waitFor('the second turn', () => probe.handled.some((t) => t.eventId === second.id));
    expect(probe.started.filter((t) => t.eventId === first.id)).toHaveLength(1);
    expect(await effectCount(first.id)).toBe(1);
    expect(await effectCount(second.id)).toBe(1);
  });

  it('redelivers a chunk whose member stopped after its commit but before the offset commit, without second effects', async () => {
    const probe = new Probe();
    const group = await freshGroup('crash');
    const member = await startMember(group, probe, { maxRecords: 10, shutdownTimeoutMs: 300 });
    const conversation = new Conversation(probe);
    let release: () => void = () => undefined;
    probe.gate = new Promise<void>((resolve) => (release = resolve));
    await sink.send(TOPIC, [
      conversation.turn('one'),
      conversation.turn('block'),
      conversation.turn('three'),
    ]);
    const [one, blocked, three] = conversation.envelopes;
    await waitFor('the blocking turn', () => probe.started.some((t) => t.eventId === blocked.id));
    const first = offsetOf(probe, one.id);
    const partition = probe.started[0].partition;

    // Shutdown gives up on the chunk in flight; its transaction commits afterwards, its offset does not.
    const closing = member.app.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    await closing;
    await waitFor('the chunk to commit', async () => (await effectCount(three.id)) === 1);
    // Nothing of the chunk is committed (another suite's records may precede ours in it).
    expect(await committedOffset(group, partition)).toBeLessThanOrEqual(first);
    expect(commitsOn(member, partition).filter((offset) => offset > first)).toEqual([]);

    // The next member gets the chunk again: the inbox skips all three, the offset moves past them.
    await startMember(group, probe, { maxRecords: 10 });
    await waitFor(
      'the commit past the chunk',
      async () => (await committedOffset(group, partition)) >= first + 3n,
    );
    for (const envelope of [one, blocked, three]) {
      expect(probe.started.filter((t) => t.eventId === envelope.id)).toHaveLength(1);
      expect(await effectCount(envelope.id)).toBe(1);
    }
  });
});
