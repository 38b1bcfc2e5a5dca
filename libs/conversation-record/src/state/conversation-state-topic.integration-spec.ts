import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { ConversationDeleted, Topics, type ConversationSnapshotData } from '@lib/contracts';
import type { PostgresOutbox } from '@lib/database';
import { ensureTopics, KafkaRecordSink, TransactionalOutbox } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { ConfigResourceTypes, Kafka, logLevel, type Consumer } from 'kafkajs';
import { ConversationDeletedController } from '../deletion/conversation-deleted.controller';
import { PERSISTENCE_DATABASE } from '../persistence-database';
import { ConversationEventsController } from '../recording/conversation-events.controller';
import { ConversationScript, envelope } from '../testing/fixtures';
import { startTestApp } from '../testing/test-app';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const TOPIC = Topics.conversationState.name;

jest.setTimeout(90_000);

interface TopicRecord {
  readonly offset: bigint;
  readonly value: Buffer | null;
}

describe('the compacted conversation state topic (real Kafka)', () => {
  let db: MigratedServiceDatabase;
  let app: INestApplication;
  let sink: KafkaRecordSink;
  let consumer: Consumer | undefined;
  const kafka = new Kafka({
    clientId: `state-topic-test-${randomUUID()}`,
    brokers: BROKERS,
    logLevel: logLevel.NOTHING,
  });

  beforeAll(async () => {
    await ensureTopics(BROKERS, { partitions: 3, replicationFactor: 1, topics: [TOPIC] });
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    sink = new KafkaRecordSink({ brokers: BROKERS, clientId: `state-topic-test-${randomUUID()}` });
    ({ app } = await startTestApp(db.uow, sink));
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await app?.close();
    await sink?.close();
    await db?.close();
  });

  /** The records of one key on the topic, in offset order, once a tombstone for it is there. */
  async function recordsUntilTombstone(key: string): Promise<TopicRecord[]> {
    consumer = kafka.consumer({ groupId: `state-topic-test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const found: TopicRecord[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no tombstone for ${key} on ${TOPIC}`)), 60_000);
      void consumer!.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() !== key) return;
          found.push({ offset: BigInt(message.offset), value: message.value });
          if (message.value === null) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return found.sort((x, y) => (x.offset < y.offset ? -1 : 1));
  }

  it('is compacted', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configNames: ['cleanup.policy'] }],
      });
      expect(described.resources[0].configEntries[0]).toMatchObject({ configValue: 'compact' });
    } finally {
      await admin.disconnect();
    }
  });

  it('holds the snapshots of a conversation, then a tombstone once it is deleted', async () => {
    const s = new ConversationScript(`tenant-${randomUUID().slice(0, 8)}`);
    const handlers = app.get(ConversationEventsController);
    const outbox = app.get<TransactionalOutbox, PostgresOutbox>(TransactionalOutbox);
    await db.uow.run(() => handlers.onConversationStarted(s.started()));
    await db.uow.run(() => handlers.onTurnReceived(s.turn(1)));
    await outbox.drain();

    const deleted = envelope(
      ConversationDeleted,
      { conversationId: s.conversationId, reason: 'retention', deletedAt: new Date().toISOString() },
      s.tenantId,
    );
    await db.uow.run(() => app.get(ConversationDeletedController).onConversationDeleted(deleted));

    const records = await recordsUntilTombstone(s.conversationId);
    const snapshots = records
      .filter((r) => r.value !== null)
      .map((r) => JSON.parse(r.value!.toString()) as ConversationSnapshotData);
    expect(snapshots.map((d) => d.turnCount)).toEqual([0, 1]);
    expect(snapshots.at(-1)).toMatchObject({ conversationId: s.conversationId, status: 'active' });
    // The tombstone is the key's last record: compaction keeps it and drops the snapshots before it.
    expect(records.at(-1)!.value).toBeNull();
    expect(records.at(-1)!.offset > records.at(-2)!.offset).toBe(true);
  });
});
