import type { INestApplication } from '@nestjs/common';
import {
  ConversationDeleted,
  ConversationSnapshot,
  CrmChangeApplied,
  CrmChangeProposed,
  newId,
  Topics,
  toKafkaRecord,
  TurnReceived,
  type EventEnvelope,
} from '@lib/contracts';
import { PostgresInboxStore, type PostgresOutbox } from '@lib/database';
import { MessageProcessor, TransactionalOutbox, type IncomingRecord } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { ConversationEventsController } from '../recording/conversation-events.controller';
import { ConversationTenantMismatchError } from '../errors';
import { PERSISTENCE_DATABASE } from '../persistence-database';
import { PERSISTENCE_SCHEMA } from '../schema';
import { at, ConversationScript, envelope } from '../testing/fixtures';
import { CollectingSink, startTestApp } from '../testing/test-app';
import { ConversationDeletedController } from './conversation-deleted.controller';
import { ConversationDeletedError } from './deleted-conversations';
import { conversationTables } from './record-tables';

const STATE_TOPIC = Topics.conversationState.name;

describe('conversation deletion in persistence (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let app: INestApplication;
  let handlers: ConversationEventsController;
  let deletions: ConversationDeletedController;
  const sink = new CollectingSink();

  const a = new ConversationScript('tenant-one');
  const b = new ConversationScript('tenant-one');
  const other = new ConversationScript('tenant-two');

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    ({ app } = await startTestApp(db.uow, sink));
    handlers = app.get(ConversationEventsController);
    deletions = app.get(ConversationDeletedController);
    for (const s of [a, b, other]) await record(s);
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  /** Handlers run inside a unit of work, as under the transport's inbox. */
  const handle = async (call: (h: ConversationEventsController) => Promise<void>): Promise<void> => {
    await db.uow.run(() => call(handlers));
    await app.get<TransactionalOutbox, PostgresOutbox>(TransactionalOutbox).drain();
  };

  const deletedEvent = (s: ConversationScript, tenantId = s.tenantId) =>
    envelope(
      ConversationDeleted,
      {
        conversationId: s.conversationId,
        reason: 'request',
        requestedBy: 'api-key-1',
        deletedAt: new Date().toISOString(),
      },
      tenantId,
    );
  const remove = async (event: ReturnType<typeof deletedEvent>): Promise<void> => {
    await db.uow.run(() => deletions.onConversationDeleted(event));
    await app.get<TransactionalOutbox, PostgresOutbox>(TransactionalOutbox).drain();
  };

  /** A conversation with rows in every table the handlers write (and a CRM change, its outcome). */
  async function record(s: ConversationScript): Promise<void> {
    await handle((h) => h.onConversationStarted(s.started()));
    await handle((h) => h.onTurnReceived(s.turn(1)));
    await handle((h) => h.onToolRequested(s.toolRequested(1)));
    await handle((h) => h.onToolCompleted(s.toolCompleted(1)));
    await handle((h) => h.onAnalysisCompleted(s.analysis(1, 'proposal')));
    await handle((h) => h.onReplyGenerated(s.reply(1)));
    await handle((h) => h.onEvaluationCompleted(s.evaluation(1)));
    await handle((h) => h.onFeedbackSubmitted(s.feedback(1)));
    await handle((h) => h.onAlertRaised(s.alert(1)));
    await handle((h) => h.onTurnReceived(s.turn(2)));
    await handle((h) => h.onTurnFailed(s.turnFailed(2)));
    const change = {
      proposalId: newId(),
      conversationId: s.conversationId,
      turnId: s.turnId(1),
      entity: 'deal' as const,
      entityId: newId(),
      kind: 'update_deal' as const,
      diff: { stage: { from: 'proposal', to: 'negotiation' } },
    };
    await handle((h) =>
      h.onCrmChangeProposed(
        envelope(
          CrmChangeProposed,
          {
            ...change,
            evidence: 'we need it cheaper',
            evidenceOrigin: 'prospect',
            source: 'analysis',
            status: 'proposed',
            proposedAt: at(1, 9),
          },
          s.tenantId,
        ),
      ),
    );
    await handle((h) =>
      h.onCrmChangeApplied(
        envelope(CrmChangeApplied, { ...change, decidedBy: 'rep-7', appliedAt: at(1, 10) }, s.tenantId),
      ),
    );
  }

  const baseTables = async (): Promise<string[]> => {
    const rows: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`,
      [PERSISTENCE_SCHEMA],
    );
    return rows.map((r) => r.table_name);
  };

  /**
   * Rows of every table of the schema whose any column (uuid, text, jsonb: the whole row as JSON) contains
   * the id, per table. Only the tombstones table is left out: keeping the id is its purpose.
   */
  const rowsMentioning = async (id: string): Promise<Record<string, number>> => {
    const found: Record<string, number> = {};
    for (const table of await baseTables()) {
      if (table === 'deleted_conversations' || table === 'migrations') continue;
      const rows: { n: number }[] = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM "${PERSISTENCE_SCHEMA}"."${table}" t WHERE row_to_json(t)::text LIKE $1`,
        [`%${id}%`],
      );
      if (rows[0].n > 0) found[table] = rows[0].n;
    }
    return found;
  };

  it('covers every table with a conversation_id column (read from information_schema)', async () => {
    const withColumn: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.columns
       WHERE table_schema = $1 AND column_name = 'conversation_id' ORDER BY table_name`,
      [PERSISTENCE_SCHEMA],
    );
    const covered = (await db.uow.run((m) => conversationTables(m))).map((t) => t.table);
    expect(covered).toEqual([
      ...withColumn.map((r) => r.table_name).filter((t) => t !== 'deleted_conversations'),
      'conversations',
    ]);
  });

  it('publishes a snapshot when the state changes, and none when nothing changed', async () => {
    const snapshots = () => sink.ofKey(STATE_TOPIC, b.conversationId).filter((r) => r.value !== null);
    const before = snapshots().length;
    // started, turn 1, stage, turn 2: four states (tool calls, replies... only move updatedAt).
    expect(before).toBe(4);
    await handle((h) => h.onReplyGenerated(b.reply(2)));
    expect(snapshots()).toHaveLength(before);
    const last = JSON.parse(snapshots().at(-1)!.value.toString()) as Record<string, unknown>;
    expect(last).toMatchObject({
      conversationId: b.conversationId,
      status: 'active',
      mode: 'assist',
      stage: 'proposal',
      turnCount: 2,
    });
    expect(snapshots().at(-1)!.headers).toMatchObject({ ce_type: ConversationSnapshot.type });
  });

  it("refuses a deletion naming another tenant's conversation, and deletes nothing", async () => {
    const before = await rowsMentioning(a.conversationId);
    await expect(remove(deletedEvent(a, 'tenant-two'))).rejects.toBeInstanceOf(
      ConversationTenantMismatchError,
    );
    expect(await rowsMentioning(a.conversationId)).toEqual(before);
  });

  describe('once deleted', () => {
    let beforeA: Record<string, number>;
    let beforeB: Record<string, number>;
    let beforeOther: Record<string, number>;

    beforeAll(async () => {
      beforeA = await rowsMentioning(a.conversationId);
      beforeB = await rowsMentioning(b.conversationId);
      beforeOther = await rowsMentioning(other.conversationId);
      await remove(deletedEvent(a));
    });

    it('had rows everywhere before (the check below has something to find)', () => {
      expect(Object.keys(beforeA)).toEqual(
        expect.arrayContaining([
          'alerts',
          'analyses',
          'conversation_snapshots',
          'conversations',
          'crm_changes',
          'evaluations',
          'feedback',
          'replies',
          'tool_calls',
          'turn_failures',
          'turns',
        ]),
      );
    });

    it('leaves no row mentioning the conversation in any table, only its tombstone', async () => {
      expect(await rowsMentioning(a.conversationId)).toEqual({});
      const tombstones: Record<string, unknown>[] = await db.dataSource.query(
        `SELECT * FROM "${PERSISTENCE_SCHEMA}"."deleted_conversations" WHERE conversation_id = $1`,
        [a.conversationId],
      );
      expect(tombstones).toEqual([
        {
          conversation_id: a.conversationId,
          tenant_id: 'tenant-one',
          reason: 'request',
          requested_by: 'api-key-1',
          deleted_at: expect.any(Date),
          recorded_at: expect.any(Date),
        },
      ]);
    });

    it("leaves the tenant's other conversation and the other tenant's untouched", async () => {
      expect(await rowsMentioning(b.conversationId)).toEqual(beforeB);
      expect(await rowsMentioning(other.conversationId)).toEqual(beforeOther);
    });

    it('sends a tombstone on the state topic after the last snapshot', () => {
      const records = sink.ofKey(STATE_TOPIC, a.conversationId);
      expect(records.length).toBeGreaterThan(1);
      expect(records.at(-2)!.value).not.toBeNull();
      expect(records.at(-1)!.value).toBeNull();
    });

    it('handles a redelivery (another event id) harmlessly', async () => {
      await remove(deletedEvent(a));
      expect(await rowsMentioning(a.conversationId)).toEqual({});
      expect(sink.ofKey(STATE_TOPIC, a.conversationId).at(-1)!.value).toBeNull();
    });

    it('drops late events, in any order, without recreating anything', async () => {
      for (const late of [
        () => handlers.onTurnReceived(a.turn(3)),
        () => handlers.onReplyGenerated(a.reply(3)),
        () => handlers.onConversationStarted(a.started()),
        () => handlers.onToolCompleted(a.toolCompleted(3)),
        () => handlers.onFeedbackSubmitted(a.feedback(1)),
      ]) {
        await expect(db.uow.run(late)).rejects.toBeInstanceOf(ConversationDeletedError);
      }
      expect(await rowsMentioning(a.conversationId)).toEqual({});
    });

    it('acknowledges a late event in the delivery pipeline: skipped, not retried, not dead-lettered', async () => {
      const dead = new CollectingSink();
      let calls = 0;
      const processor = new MessageProcessor({
        consumerGroup: 'persistence',
        system: 'in-process',
        inbox: new PostgresInboxStore(db.uow),
        deadLetters: dead,
        retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
        findHandler: () => (event: EventEnvelope<unknown>) => {
          calls += 1;
          return handlers.onTurnReceived(event as ReturnType<ConversationScript['turn']>);
        },
      });
      const late = a.turn(4);
      const kafka = toKafkaRecord(TurnReceived, late);
      const record: IncomingRecord = {
        topic: Topics.turns.name,
        partition: 0,
        offset: '7',
        key: kafka.key,
        value: kafka.value,
        headers: kafka.headers,
      };
      expect(await processor.process(record)).toBe('skipped');
      expect(calls).toBe(1);
      expect(dead.sent).toEqual([]);
      expect(await rowsMentioning(a.conversationId)).toEqual({});
    });
  });
});
