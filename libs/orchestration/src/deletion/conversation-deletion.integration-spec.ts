import { newId, ReplyGenerated, ToolRequested, type ConversationDeletedData } from '@lib/contracts';
import { PermanentError } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { OfflineLanguageModel } from '../offline/offline-language-model';
import { TurnIds, TurnWorkflow } from '../workflow/turn-workflow.service';
import { TurnRepository } from '../workflow/turn.repository';
import { ORCHESTRATOR_DATABASE } from '../workflow/orchestrator-database';
import {
  CommittedPublisher,
  crmResult,
  kbResult,
  TENANT,
  testConfig,
  toolCompleted,
  turnEvent,
} from '../workflow/workflow.test-fixtures';
import { OrchestratorConversationDeletion } from './conversation-deletion.service';

describe('conversation deletion in the orchestrator (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let publisher: CommittedPublisher;
  let repository: TurnRepository;
  let workflow: TurnWorkflow;
  let deletion: OrchestratorConversationDeletion;

  beforeAll(async () => {
    db = await createMigratedDatabase(ORCHESTRATOR_DATABASE);
    publisher = new CommittedPublisher(db.uow);
    repository = new TurnRepository(db.uow);
    workflow = new TurnWorkflow(repository, publisher, new OfflineLanguageModel(), testConfig);
    deletion = new OrchestratorConversationDeletion(db.uow);
  });
  afterAll(async () => {
    await db?.close();
  });

  const deleted = (conversationId: string): ConversationDeletedData => ({
    conversationId,
    reason: 'request',
    requestedBy: 'cli',
    deletedAt: new Date().toISOString(),
  });

  /** Rows of every orchestrator table that mention one of the ids anywhere (the whole row as JSON). */
  const rowsMentioning = async (...ids: string[]): Promise<Record<string, number>> => {
    const tables: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'orchestrator' AND table_type = 'BASE TABLE'
         AND table_name NOT IN ('deleted_conversations', 'migrations')`,
    );
    const found: Record<string, number> = {};
    for (const { table_name } of tables) {
      const rows: { n: number }[] = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM "orchestrator"."${table_name}" t
         WHERE row_to_json(t)::text LIKE ANY ($1::text[])`,
        [ids.map((id) => `%${id}%`)],
      );
      if (rows[0].n > 0) found[table_name] = rows[0].n;
    }
    return found;
  };

  /** A completed turn (tool calls, a round), a queued one, a summary and unsent events. */
  async function converse(conversationId: string): Promise<string[]> {
    const first = turnEvent({ conversationId });
    await workflow.startTurn(first);
    const second = turnEvent({ conversationId, sequence: 2, text: 'And the security review?' });
    await workflow.startTurn(second); // queued behind the first
    const id = first.data.turnId;
    await workflow.recordToolOutcome(
      toolCompleted(first.data, TurnIds.toolCall(id, 0, 0), 'crm_lookup_prospect', crmResult),
    );
    await workflow.recordToolOutcome(
      toolCompleted(first.data, TurnIds.toolCall(id, 0, 1), 'knowledge_search', kbResult),
    );
    await db.uow.run(() =>
      repository.saveSummary(
        conversationId,
        TENANT,
        { text: 'Jane asked about discounts.', coversUpToSequence: 1 },
        new Date(),
      ),
    );
    // Events of the conversation the relay has not sent yet: one keyed by it, one by a tool call.
    await db.dataSource.query(
      `INSERT INTO "orchestrator"."outbox" ("event_id", "topic", "key", "headers", "value")
       VALUES ($1, 'sales.conversation.outcomes.v1', $2, '{}', $3),
              ($4, 'sales.conversation.tools.v1', $5, '{}', $3)`,
      [newId(), conversationId, JSON.stringify({ conversationId }), newId(), newId()],
    );
    return [conversationId, first.data.turnId, second.data.turnId];
  }

  it("deletes every row of the conversation, and only that conversation's", async () => {
    const a = newId();
    const b = newId();
    const ofA = await converse(a);
    const ofB = await converse(b);
    const before = await rowsMentioning(...ofA);
    expect(Object.keys(before).sort()).toEqual([
      'conversation_summaries',
      'outbox',
      'tool_calls',
      'turn_rounds',
      'turns',
    ]);
    const beforeB = await rowsMentioning(...ofB);

    await expect(deletion.delete('another-tenant', deleted(a))).rejects.toBeInstanceOf(PermanentError);
    expect(await rowsMentioning(...ofA)).toEqual(before);

    await deletion.delete(TENANT, deleted(a));
    expect(await rowsMentioning(...ofA)).toEqual({});
    expect(await rowsMentioning(...ofB)).toEqual(beforeB);
    const tombstones: unknown[] = await db.dataSource.query(
      `SELECT "tenant_id", "reason" FROM "orchestrator"."deleted_conversations" WHERE "conversation_id" = $1`,
      [a],
    );
    expect(tombstones).toEqual([{ tenant_id: TENANT, reason: 'request' }]);

    // Redelivered: nothing left, nothing fails.
    expect(await deletion.delete(TENANT, deleted(a))).toEqual({});
  });

  it('does not process a turn of a deleted conversation that arrives late: no row, no reply', async () => {
    const a = newId();
    await deletion.delete(TENANT, deleted(a)); // deleted before the orchestrator heard of it
    const late = turnEvent({ conversationId: a });
    await workflow.startTurn(late);
    expect(publisher.of(ToolRequested, late.data.turnId)).toEqual([]);
    expect(publisher.of(ReplyGenerated, late.data.turnId)).toEqual([]);
    expect(await rowsMentioning(a, late.data.turnId)).toEqual({});
  });

  it('ignores the tool results of a turn deleted while it waited for them', async () => {
    const a = newId();
    const turn = turnEvent({ conversationId: a });
    await workflow.startTurn(turn);
    await deletion.delete(TENANT, deleted(a));
    const id = turn.data.turnId;
    await workflow.recordToolOutcome(
      toolCompleted(turn.data, TurnIds.toolCall(id, 0, 0), 'crm_lookup_prospect', crmResult),
    );
    await workflow.recordToolOutcome(
      toolCompleted(turn.data, TurnIds.toolCall(id, 0, 1), 'knowledge_search', kbResult),
    );
    expect(publisher.of(ReplyGenerated, id)).toEqual([]);
    expect(await rowsMentioning(a, id)).toEqual({});
  });
});
