import { Global, Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AnalysisCompleted,
  ConversationDeleted,
  deriveId,
  newId,
  ToolRequested,
  TurnReceived,
  type EnvelopeOf,
  type KafkaRecord,
} from '@lib/contracts';
import { DatabaseModule, UnitOfWork } from '@lib/database';
import {
  createEnvelope,
  DefaultEventPublisher,
  EventPublisher,
  InboxStore,
  PermanentError,
  RecordSink,
  TransactionalOutbox,
} from '@lib/messaging';
import { createTestDatabase, type TestDatabase } from '@lib/testing';
import { CrmEventsController } from '../crm/crm-events.controller';
import { seedDemoCrm } from '../crm/demo-crm.seed';
import { CrmChangeService } from '../crm/proposals/crm-change.service';
import { ToolRequestsController } from '../handler/tool-requests.controller';
import { configureToolRunnerApp } from '../knowledge-base/knowledge-documents.controller';
import { KnowledgeRetriever } from '../knowledge-base/knowledge-retriever';
import { TOOL_RUNNER_DATABASE } from '../tool-runner.database';
import { ToolRunnerModule } from '../tool-runner.module';
import { ToolRunnerConversationDeletedController } from './conversation-deleted.controller';
import { EVIDENCE_REMOVED } from './conversation-deletion.service';
import { ConversationDeletedError } from './deleted-conversations';

const TENANT = 'tenant-deletion';
const OTHER = 'tenant-deletion-other';
const CONSUMER = 'tool-runner';
/** Words only one shared document contains: found by search before its deletion, never after. */
const CODEWORDS = ['quasarflux', 'zirconwave', 'plumbeonix'];
let conversations = 0;

class RecordingSink extends RecordSink {
  readonly sent: { topic: string; record: KafkaRecord }[] = [];
  async send(topic: string, records: KafkaRecord[]): Promise<void> {
    for (const record of records) this.sent.push({ topic, record });
  }
}

describe('conversation deletion in the tool-runner (PostgreSQL, module booted by Nest)', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let base: string;
  const sink = new RecordingSink();

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    database = await createTestDatabase('tool_runner_deletion');

    @Global()
    @Module({
      providers: [
        { provide: RecordSink, useValue: sink },
        {
          provide: EventPublisher,
          inject: [TransactionalOutbox],
          useFactory: (outbox: TransactionalOutbox) => new DefaultEventPublisher('tool-runner', sink, outbox),
        },
      ],
      exports: [RecordSink, EventPublisher],
    })
    class FakeMessagingModule {}

    @Module({
      imports: [
        FakeMessagingModule,
        DatabaseModule.forService(TOOL_RUNNER_DATABASE, {
          url: database.url,
          applicationName: 'tool-runner-deletion-test',
          migrateOnBoot: true,
          poolSize: 4,
        }),
        ToolRunnerModule,
      ],
    })
    class RootModule {}

    app = await NestFactory.create(RootModule, { logger: ['error'] });
    configureToolRunnerApp(app);
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    for (const tenant of [TENANT, OTHER]) await seedDemoCrm(app.get(UnitOfWork).manager, tenant);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const uow = (): UnitOfWork => app.get(UnitOfWork);
  const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> => uow().manager.query(sql, params);

  /** What the transport does: inbox.runOnce around the handler, in one unit of work. */
  const deliver = <T extends { id: string }>(event: T, handler: (e: T) => Promise<void>) =>
    app.get(InboxStore).runOnce(CONSUMER, event as never, () => handler(event));

  const ingest = (tenantId: string, body: Record<string, unknown>) =>
    fetch(`${base}/internal/v1/tenants/${tenantId}/knowledge/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** The tenant's passages for a query (through the retriever: a search writes no row). */
  const search = async (tenantId: string, text: string): Promise<string[]> =>
    (await app.get(KnowledgeRetriever).search(tenantId, text, 5)).map((p) => p.text);

  /**
   * A conversation as the tool-runner hears of it: a prospect turn, two tool calls, an analysis proposing
   * two CRM changes (one approved, one left pending), a document the prospect shared.
   */
  async function converse(tenantId: string): Promise<{ conversationId: string; ids: string[] }> {
    const conversationId = newId();
    const turnId = newId();
    const codeword = CODEWORDS[conversations++];
    const turn = createEnvelope(
      TurnReceived,
      {
        conversationId,
        turnId,
        sequence: 1,
        role: 'prospect',
        text: 'Honestly this is too expensive for us.',
        conversation: { mode: 'assist', prospect: { email: 'maya.chen@northwindpay.com' } },
        receivedAt: new Date().toISOString(),
      },
      { tenantId },
      'gateway',
    );
    await deliver(turn, (e) => app.get(CrmEventsController).onTurnReceived(e));
    const documentId = `shared/${conversationId}.md`;
    const shared = await ingest(tenantId, {
      documentId,
      title: 'Requirements from the prospect',
      source: 'upload://requirements.md',
      contentType: 'text/markdown',
      content: `# Requirements\n\nWe run the ${codeword} pipeline nightly and need exports of every event.`,
      conversationId,
    });
    expect(shared.status).toBe(201);
    const callIds: string[] = [];
    for (const [tool, args] of [
      ['crm_lookup_prospect', { email: 'maya.chen@northwindpay.com' }],
      ['knowledge_search', { query: codeword, limit: 1 }],
    ] as const) {
      const request = createEnvelope(
        ToolRequested,
        {
          conversationId,
          turnId,
          toolCallId: newId(),
          tool,
          arguments: args,
          requestedAt: new Date().toISOString(),
        },
        { tenantId },
        'orchestrator',
      );
      callIds.push(request.data.toolCallId);
      await deliver(request, (e) => app.get(ToolRequestsController).onToolRequested(e));
    }
    const analysis = createEnvelope(
      AnalysisCompleted,
      {
        conversationId,
        turnId,
        analysis: {
          intents: [{ name: 'objection', confidence: 0.8 }],
          sentiment: { label: 'negative', score: -0.3 },
          entities: [],
          objections: [{ type: 'price', evidence: 'this is too expensive' }],
          buyingSignals: [],
          stage: 'negotiation',
        },
        proposedCrmUpdates: [
          { entity: 'deal', field: 'stage', value: 'negotiation', evidence: 'this is too expensive' },
          { entity: 'deal', field: 'amount', value: 12345, evidence: 'this is too expensive' },
        ],
        model: { provider: 'offline', name: 'rules', promptVersion: 'test' },
        completedAt: new Date().toISOString(),
      },
      { tenantId },
      'orchestrator',
    );
    await deliver(analysis, (e) => app.get(CrmEventsController).onAnalysisCompleted(e));
    const [stage] = await query<{ id: string }>(
      `SELECT "id" FROM "tool_runner"."crm_change_proposals"
       WHERE "conversation_id" = $1 AND "diff" ? 'stage'`,
      [conversationId],
    );
    // Another conversation with the same prospect may have moved the stage already: nothing to propose then.
    if (stage) {
      await app.get(CrmChangeService).decide(tenantId, stage.id, { approve: true, decidedBy: 'api-key:rep' });
    }
    return { conversationId, ids: [conversationId, turnId, documentId, ...callIds] };
  }

  /** Rows of every tool-runner table mentioning one of the ids anywhere (the whole row as JSON). */
  const rowsMentioning = async (ids: string[]): Promise<Record<string, number>> => {
    const tables = await query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'tool_runner' AND table_type = 'BASE TABLE'
         AND table_name NOT IN ('deleted_conversations', 'migrations')`,
    );
    const found: Record<string, number> = {};
    for (const { table_name } of tables) {
      const [row] = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "tool_runner"."${table_name}" t
         WHERE row_to_json(t)::text LIKE ANY ($1::text[])`,
        [ids.map((id) => `%${id}%`)],
      );
      if (row.n > 0) found[table_name] = row.n;
    }
    return found;
  };

  const deletedEvent = (conversationId: string, tenantId: string): EnvelopeOf<typeof ConversationDeleted> =>
    createEnvelope(
      ConversationDeleted,
      { conversationId, reason: 'request', requestedBy: 'api-key-1', deletedAt: new Date().toISOString() },
      { tenantId },
      'gateway',
    );
  const remove = (event: EnvelopeOf<typeof ConversationDeleted>) =>
    deliver(event, (e) => app.get(ToolRunnerConversationDeletedController).onConversationDeleted(e));

  describe('a conversation with executions, CRM proposals and a shared document', () => {
    let a: { conversationId: string; ids: string[] };
    let b: { conversationId: string; ids: string[] };
    let other: { conversationId: string; ids: string[] };
    let before: Record<string, number>;
    let beforeB: Record<string, number>;
    let beforeOther: Record<string, number>;

    beforeAll(async () => {
      a = await converse(TENANT);
      b = await converse(TENANT);
      other = await converse(OTHER);
      before = await rowsMentioning(a.ids);
      beforeB = await rowsMentioning(b.ids);
      beforeOther = await rowsMentioning(other.ids);
    });

    it('has rows everywhere before, and the shared document is searchable', async () => {
      expect(Object.keys(before).sort()).toEqual([
        'crm_change_proposals',
        'crm_conversation_turns',
        'knowledge_chunks',
        'knowledge_documents',
        'tool_executions',
      ]);
      expect((await search(TENANT, CODEWORDS[0])).join(' ')).toContain(CODEWORDS[0]);
    });

    it('refuses a deletion from another tenant and deletes nothing', async () => {
      await expect(remove(deletedEvent(a.conversationId, OTHER))).rejects.toBeInstanceOf(PermanentError);
      expect(await rowsMentioning(a.ids)).toEqual(before);
    });

    describe('once deleted', () => {
      let decided: { id: string }[];

      beforeAll(async () => {
        decided = await query<{ id: string }>(
          `SELECT "id" FROM "tool_runner"."crm_change_proposals" WHERE "conversation_id" = $1 AND "status" = 'applied'`,
          [a.conversationId],
        );
        expect(await remove(deletedEvent(a.conversationId, TENANT))).toBe('processed');
      });

      it('leaves no row mentioning the conversation, its turn, calls or document', async () => {
        expect(await rowsMentioning(a.ids)).toEqual({});
      });

      it('keeps the applied proposal as the CRM audit, unlinked and without the evidence', async () => {
        const kept = await query<Record<string, unknown>>(
          `SELECT "conversation_id", "turn_id", "evidence", "status" FROM "tool_runner"."crm_change_proposals"
           WHERE "id" = $1`,
          [decided[0].id],
        );
        expect(kept).toEqual([
          { conversation_id: null, turn_id: null, evidence: EVIDENCE_REMOVED, status: 'applied' },
        ]);
        const audit = await query<{ action: string }>(
          `SELECT "action" FROM "tool_runner"."crm_audit_log" WHERE "proposal_id" = $1 ORDER BY "occurred_at"`,
          [decided[0].id],
        );
        expect(audit.map((r) => r.action).sort()).toEqual(['applied', 'approved', 'proposed']);
        // Deciding it again is answered from what is kept.
        await expect(
          app
            .get(CrmChangeService)
            .decide(TENANT, decided[0].id, { approve: true, decidedBy: 'api-key:rep' }),
        ).resolves.toMatchObject({ status: 'applied', conversationId: null });
      });

      it('removes the shared document from the vector store: search no longer finds it', async () => {
        expect((await search(TENANT, CODEWORDS[0])).join(' ')).not.toContain(CODEWORDS[0]);
        expect((await search(TENANT, CODEWORDS[1])).join(' ')).toContain(CODEWORDS[1]);
      });

      it("leaves the tenant's other conversation and the other tenant's untouched", async () => {
        expect(await rowsMentioning(b.ids)).toEqual(beforeB);
        expect(await rowsMentioning(other.ids)).toEqual(beforeOther);
      });

      it('handles a redelivery (another event id) harmlessly', async () => {
        await expect(remove(deletedEvent(a.conversationId, TENANT))).resolves.toBe('processed');
        expect(await rowsMentioning(a.ids)).toEqual({});
      });

      it('drops late events of the conversation and refuses documents for it', async () => {
        const late = createEnvelope(
          ToolRequested,
          {
            conversationId: a.conversationId,
            turnId: newId(),
            toolCallId: newId(),
            tool: 'crm_lookup_prospect',
            arguments: { email: 'maya.chen@northwindpay.com' },
            requestedAt: new Date().toISOString(),
          },
          { tenantId: TENANT },
          'orchestrator',
        );
        await expect(
          deliver(late, (e) => app.get(ToolRequestsController).onToolRequested(e)),
        ).rejects.toBeInstanceOf(ConversationDeletedError);
        const turn = createEnvelope(
          TurnReceived,
          {
            conversationId: a.conversationId,
            turnId: deriveId(a.conversationId, 'late'),
            sequence: 2,
            role: 'prospect',
            text: 'one more thing',
            conversation: { mode: 'assist', prospect: { email: 'maya.chen@northwindpay.com' } },
            receivedAt: new Date().toISOString(),
          },
          { tenantId: TENANT },
          'gateway',
        );
        await expect(
          deliver(turn, (e) => app.get(CrmEventsController).onTurnReceived(e)),
        ).rejects.toBeInstanceOf(ConversationDeletedError);
        const refused = await ingest(TENANT, {
          title: 'Late file',
          source: 'upload://late.md',
          contentType: 'text/markdown',
          content: '# Late\n\nShared after the deletion.',
          conversationId: a.conversationId,
        });
        expect(refused.status).toBe(409);
        expect(await rowsMentioning([...a.ids, late.data.toolCallId, 'upload://late.md'])).toEqual({});
      });
    });
  });
});
