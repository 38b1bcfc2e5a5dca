import { Logger, Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import {
  deriveId,
  ToolCompleted,
  ToolFailed,
  ToolRequested,
  Topics,
  type EnvelopeOf,
  type KafkaRecord,
} from '@lib/contracts';
import {
  DatabaseModule,
  PostgresInboxStore,
  PostgresOutbox,
  revertAllMigrations,
  runMigrations,
  UnitOfWork,
} from '@lib/database';
import {
  createEnvelope,
  DefaultEventPublisher,
  EventPublisher,
  InboxStore,
  RecordSink,
  TransactionalOutbox,
} from '@lib/messaging';
import { createMigratedDatabase, createTestDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { crmLookupProspectTool } from './crm/crm-lookup-prospect.tool';
import { CrmRepository } from './crm/crm.repository';
import { seedDemoCrm } from './crm/demo-crm.seed';
import { PostgresToolExecutionStore } from './execution/postgres-tool-execution.store';
import { ToolExecutor } from './execution/tool-executor';
import { ToolRunnerDeletedConversations } from './deletion/deleted-conversations';
import { ToolCallService } from './handler/tool-call.service';
import { ToolRequestsController } from './handler/tool-requests.controller';
import { defaultKnowledgeBaseDir } from './knowledge-base/knowledge-base-dir';
import { createKnowledgeServices } from './knowledge-base/knowledge-services';
import { knowledgeSearchTool } from './knowledge-base/knowledge-search.tool';
import { defineToolSpec, implementTool } from './registry/tool';
import { ToolRegistry } from './registry/tool-registry';
import { TOOL_RUNNER_DATABASE } from './tool-runner.database';
import { ToolRunnerModule } from './tool-runner.module';

const TENANT = 'tenant-integration';
const CONSUMER = 'tool-runner';

class RecordingSink extends RecordSink {
  readonly sent: { topic: string; record: KafkaRecord }[] = [];
  failing = false;
  async send(topic: string, records: KafkaRecord[]): Promise<void> {
    if (this.failing) throw new Error('broker unavailable');
    for (const record of records) this.sent.push({ topic, record });
  }
}

let sequence = 0;
function toolRequest(
  tool: string,
  args: Record<string, unknown>,
  toolCallId = deriveId('call', String(++sequence)),
): EnvelopeOf<typeof ToolRequested> {
  return createEnvelope(
    ToolRequested,
    {
      conversationId: deriveId('conversation', '1'),
      turnId: deriveId('turn', '1'),
      toolCallId,
      tool,
      arguments: args,
      requestedAt: new Date().toISOString(),
    },
    { tenantId: TENANT, correlationId: deriveId('turn', '1') },
    'orchestrator',
  );
}

interface OutboxRow {
  event_id: string;
  topic: string;
  key: string;
  headers: Record<string, string>;
  value: string;
}

beforeAll(() => {
  Logger.overrideLogger(['error']);
});

describe('tool-runner migrations', () => {
  it('apply up to every table, match the entities, and revert down to nothing', async () => {
    const db = await createMigratedDatabase(TOOL_RUNNER_DATABASE);
    try {
      const tables = async (): Promise<string[]> => {
        const rows: { table_name: string }[] = await db.dataSource.query(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'tool_runner' ORDER BY 1`,
        );
        return rows.map((r) => r.table_name);
      };
      expect(await tables()).toEqual([
        'crm_accounts',
        'crm_activities',
        'crm_audit_log',
        'crm_auto_approve_policies',
        'crm_change_proposals',
        'crm_contacts',
        'crm_conversation_turns',
        'crm_deal_stage_history',
        'crm_deals',
        'crm_tasks',
        'deleted_conversations',
        'inbox',
        'knowledge_chunks',
        'knowledge_documents',
        'knowledge_faq',
        'migrations',
        'outbox',
        'tool_executions',
      ]);
      // Every mapped column of every entity exists in the migrated table.
      for (const entity of db.dataSource.entityMetadatas) {
        const columns = entity.columns.map((c) => `"${c.databaseName}"`).join(', ');
        await expect(
          db.dataSource.query(`SELECT ${columns} FROM ${entity.tablePath} LIMIT 0`),
        ).resolves.toEqual([]);
      }
      // A deal stage outside the contract's DealStage is refused by the database.
      await seedDemoCrm(db.dataSource.manager, TENANT);
      await expect(
        db.dataSource.query(`UPDATE tool_runner.crm_deals SET stage = 'won' WHERE tenant_id = $1`, [TENANT]),
      ).rejects.toThrow(/check constraint/);

      const migrationCount = Object.keys(TOOL_RUNNER_DATABASE.migrations).length;
      expect(await revertAllMigrations(db.dataSource)).toBe(migrationCount);
      expect(await tables()).toEqual(['migrations']);
      expect(await runMigrations(db.dataSource, 'tool_runner')).toHaveLength(migrationCount);
    } finally {
      await db.close();
    }
  });
});

describe('ToolRequested handler (PostgreSQL inbox, audit table and outbox)', () => {
  let db: MigratedServiceDatabase;
  let crm: CrmRepository;
  let controller: ToolRequestsController;
  let inbox: PostgresInboxStore;
  let publisher: EventPublisher;
  let executor: ToolExecutor;
  let outbox: PostgresOutbox;
  let sink: RecordingSink;

  const buildController = (events: EventPublisher): ToolRequestsController =>
    new ToolRequestsController(
      new ToolCallService(executor, events),
      new ToolRunnerDeletedConversations(db.uow),
    );

  /** What the transport does: validated envelope → inbox.runOnce → handler, in one unit of work. */
  const deliver = (event: EnvelopeOf<typeof ToolRequested>, handler = controller) =>
    inbox.runOnce(CONSUMER, event, () => handler.onToolRequested(event));

  /** What the outbox relay sent since the last test (after commit, the relay drains the outbox table). */
  const outboxRows = async (): Promise<OutboxRow[]> => {
    await outbox.drain();
    return sink.sent.map(({ topic, record }) => ({
      event_id: record.headers.ce_id,
      topic,
      key: record.key,
      headers: record.headers,
      value: record.value.toString('utf8'),
    }));
  };
  const executions = (id: string): Promise<{ status: string; tenant_id: string; tool: string }[]> =>
    db.dataSource.query(`SELECT status, tenant_id, tool FROM tool_runner.tool_executions WHERE id = $1`, [
      id,
    ]);

  beforeAll(async () => {
    db = await createMigratedDatabase(TOOL_RUNNER_DATABASE);
    await seedDemoCrm(db.dataSource.manager, TENANT);
    crm = new CrmRepository(db.uow);
    const slowSpec = defineToolSpec({
      name: 'slow_query',
      version: '1',
      description: 'Sleeps in PostgreSQL for the given seconds (test only).',
      arguments: z.strictObject({ seconds: z.number().min(0).max(10) }),
      result: z.object({ slept: z.boolean() }),
    });
    const slowTool = implementTool(slowSpec, async ({ seconds }) => {
      await db.uow.manager.query('SELECT pg_sleep($1)', [seconds]);
      return { slept: true };
    });
    const knowledge = createKnowledgeServices(db.uow);
    await knowledge.ingestion.ingestFiles(TENANT, { paths: [defaultKnowledgeBaseDir()] });
    const registry = new ToolRegistry([
      crmLookupProspectTool(crm),
      knowledgeSearchTool(knowledge.retriever),
      slowTool,
    ]);
    executor = new ToolExecutor(registry, new PostgresToolExecutionStore(db.uow), {
      timeoutMs: 500,
      maxResultBytes: 32_768,
    });
    sink = new RecordingSink();
    outbox = new PostgresOutbox(db.uow, sink);
    publisher = new DefaultEventPublisher('tool-runner', sink, outbox);
    controller = buildController(publisher);
    inbox = new PostgresInboxStore(db.uow);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await outbox.drain();
    sink.sent.length = 0;
  });

  it('publishes ToolCompleted through the outbox, in the transaction of the audit row', async () => {
    const request = toolRequest('crm_lookup_prospect', { email: 'lena.fischer@cobaltfreight.com' });
    await expect(deliver(request)).resolves.toBe('processed');

    const [row, ...others] = await outboxRows();
    expect(others).toHaveLength(0);
    expect(row.event_id).toBe(deriveId(request.data.toolCallId, 'completed'));
    expect(row.topic).toBe(Topics.tools.name);
    // Tool events are keyed by tool-call id (ADR 4); the subject stays the conversation.
    expect(row.key).toBe(request.data.toolCallId);
    expect(row.headers).toMatchObject({
      ce_subject: request.data.conversationId,
      ce_type: ToolCompleted.type,
      ce_tenantid: TENANT,
      ce_causationid: request.id,
      ce_correlationid: request.correlationid,
    });
    const data = ToolCompleted.schema.parse(JSON.parse(row.value));
    expect(data).toMatchObject({ toolCallId: request.data.toolCallId, tool: 'crm_lookup_prospect' });
    expect(data.result).toMatchObject({ found: true, contact: { name: 'Lena Fischer' } });
    expect(await executions(request.data.toolCallId)).toEqual([
      { status: 'completed', tenant_id: TENANT, tool: 'crm_lookup_prospect' },
    ]);
  });

  it('keeps the outcome in the outbox while the broker is down, and sends it once it is back', async () => {
    sink.failing = true;
    const request = toolRequest('knowledge_search', { query: 'uptime SLA', limit: 1 });
    try {
      // Publishing inside the unit of work only writes the outbox: the handler succeeds without a broker.
      await expect(deliver(request)).resolves.toBe('processed');
      await outbox.drain();
      expect(await db.dataSource.query('SELECT event_id FROM tool_runner.outbox')).toEqual([
        { event_id: deriveId(request.data.toolCallId, 'completed') },
      ]);
    } finally {
      sink.failing = false;
    }
    expect((await outboxRows()).map((r) => r.event_id)).toEqual([
      deriveId(request.data.toolCallId, 'completed'),
    ]);
    expect(await db.dataSource.query('SELECT event_id FROM tool_runner.outbox')).toEqual([]);
  });

  it('does not execute a redelivered request twice, and re-emits the same event', async () => {
    const lookups = jest.spyOn(crm, 'findContactByEmail');
    const first = toolRequest('crm_lookup_prospect', { email: 'sam@brightloop.app' });
    // Same tool call, new event id (e.g. the orchestrator re-asked after a crash): the inbox lets it in.
    const again = { ...first, id: deriveId('another-event-id') };
    await deliver(first);
    await deliver(again);
    await expect(deliver(first)).resolves.toBe('duplicate');

    expect(lookups).toHaveBeenCalledTimes(1);
    lookups.mockRestore();
    expect(await executions(first.data.toolCallId)).toHaveLength(1);
    const rows = await outboxRows();
    expect(rows.map((r) => r.event_id)).toEqual([
      deriveId(first.data.toolCallId, 'completed'),
      deriveId(first.data.toolCallId, 'completed'),
    ]);
    expect(JSON.parse(rows[1].value)).toEqual(JSON.parse(rows[0].value));
  });

  it('answers an unknown tool and invalid arguments with ToolFailed', async () => {
    const unknown = toolRequest('crm_delete_account', { id: 'x' });
    const invalid = toolRequest('knowledge_search', { query: '', limit: 50 });
    await deliver(unknown);
    await deliver(invalid);
    const [u, i] = (await outboxRows()).map((r) => ({
      ...r,
      data: ToolFailed.schema.parse(JSON.parse(r.value)),
    }));
    expect(u.event_id).toBe(deriveId(unknown.data.toolCallId, 'failed'));
    expect(u.headers.ce_type).toBe(ToolFailed.type);
    expect(u.data.error).toMatchObject({ code: 'unknown_tool', retryable: false });
    expect(i.data.error.code).toBe('invalid_arguments');
    expect(i.data.error.message).toMatch(/query: .*limit: /);
    expect(await executions(invalid.data.toolCallId)).toEqual([
      { status: 'failed', tenant_id: TENANT, tool: 'knowledge_search' },
    ]);
  });

  it('runs knowledge_search and returns cited passages', async () => {
    const request = toolRequest('knowledge_search', { query: 'refund within 30 days' });
    await deliver(request);
    const data = ToolCompleted.schema.parse(JSON.parse((await outboxRows())[0].value));
    const result = data.result as { passages: { sourceId: string; source: string }[] };
    expect(result.passages).toHaveLength(4);
    expect(result.passages[0].source).toBe('posthog/refunds.md');
    expect(result.passages[0].sourceId).toMatch(/^kb:posthog\/refunds\.md#\d+$/);
  });

  it('times out a slow database statement and still commits the audit row and the ToolFailed', async () => {
    const request = toolRequest('slow_query', { seconds: 5 });
    const started = Date.now();
    await deliver(request);
    expect(Date.now() - started).toBeLessThan(3000);
    const [row] = await outboxRows();
    expect(ToolFailed.schema.parse(JSON.parse(row.value)).error).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(await executions(request.data.toolCallId)).toEqual([
      { status: 'failed', tenant_id: TENANT, tool: 'slow_query' },
    ]);
    // The statement timeout did not leak out of the tool call.
    const [{ statement_timeout }] = await db.dataSource.query('SHOW statement_timeout');
    expect(statement_timeout).toBe('0');
  });

  it('rolls the audit row back when the outcome cannot be published (the request is retried later)', async () => {
    class FailingPublisher extends EventPublisher {
      async publish(): Promise<never> {
        throw new Error('outbox unavailable');
      }
    }
    const request = toolRequest('crm_lookup_prospect', { company: 'Helix' });
    await expect(deliver(request, buildController(new FailingPublisher()))).rejects.toThrow(
      'outbox unavailable',
    );
    expect(await executions(request.data.toolCallId)).toHaveLength(0);
    // The redelivery then runs for real.
    await expect(deliver(request)).resolves.toBe('processed');
    expect(await executions(request.data.toolCallId)).toHaveLength(1);
  });
});

describe('ToolRunnerModule wiring', () => {
  it('boots with the runtime’s global providers and answers a request through the outbox relay', async () => {
    const database = await createTestDatabase('tool_runner_module');
    const sink = new RecordingSink();

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
          applicationName: 'tool-runner-test',
          migrateOnBoot: true,
          poolSize: 2,
        }),
        ToolRunnerModule,
      ],
    })
    class RootModule {}

    const app = await NestFactory.createApplicationContext(RootModule, { logger: ['error'] });
    try {
      await app.init();
      await seedDemoCrm(app.get(UnitOfWork).manager, TENANT);
      const request = toolRequest('crm_lookup_prospect', { name: 'Ana Lima' });
      const handler = app.get(ToolRequestsController);
      await app.get(InboxStore).runOnce(CONSUMER, request, () => handler.onToolRequested(request));
      await app.get<TransactionalOutbox, PostgresOutbox>(TransactionalOutbox).drain();

      expect(sink.sent).toHaveLength(1);
      const { topic, record } = sink.sent[0];
      expect(topic).toBe(Topics.tools.name);
      expect(record.headers.ce_id).toBe(deriveId(request.data.toolCallId, 'completed'));
      const data = ToolCompleted.schema.parse(JSON.parse(record.value.toString()));
      expect(data.result).toMatchObject({ found: true, account: { name: 'Kestrel Security' } });
    } finally {
      await app.close();
      await database.drop();
    }
  });
});
