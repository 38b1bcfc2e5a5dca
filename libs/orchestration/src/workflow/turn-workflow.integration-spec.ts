import {
  AnalysisCompleted,
  deriveId,
  ReplyDelta,
  ReplyGenerated,
  ToolRequested,
  TurnFailed,
} from '@lib/contracts';
import { revertAllMigrations } from '@lib/database';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { ModelError, type ModelStep, type ModelStepRequest } from '../model/model-step';
import { OfflineLanguageModel } from '../offline/offline-language-model';
import { ORCHESTRATOR_DATABASE } from './orchestrator-database';
import { TurnIds, TurnWorkflow } from './turn-workflow.service';
import { TurnRepository } from './turn.repository';
import {
  CommittedPublisher,
  crmResult,
  kbResult,
  testConfig as config,
  toolCompleted,
  toolFailed,
  turnEvent,
} from './workflow.test-fixtures';

const CRM = 'crm_lookup_prospect';
const KB = 'knowledge_search';
/** The offline model asks for the CRM (index 0, when it can) and the knowledge base (next) at step 0. */
const call = (turnId: string, index: number): string => TurnIds.toolCall(turnId, 0, index);

describe('TurnWorkflow with the offline model, on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let publisher: CommittedPublisher;
  let workflow: TurnWorkflow;
  let repository: TurnRepository;

  beforeAll(async () => {
    db = await createMigratedDatabase(ORCHESTRATOR_DATABASE);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    publisher = new CommittedPublisher(db.uow);
    repository = new TurnRepository(db.uow);
    workflow = new TurnWorkflow(repository, publisher, new OfflineLanguageModel(), config);
  });

  it('does not ask the CRM when the prospect reference has no lookup key', async () => {
    const event = turnEvent({ conversation: { mode: 'assist', prospect: { crmContactId: 'c-1' } } });
    await workflow.startTurn(event);
    expect(publisher.of(ToolRequested).map((r) => r.data.tool)).toEqual([KB]);
    await workflow.recordToolOutcome(toolCompleted(event.data, call(event.data.turnId, 0), KB, kbResult));
    const [reply] = publisher.of(ReplyGenerated);
    expect(reply.data.kind).toBe('suggestion');
    expect(reply.data.toolCallIds).toEqual([call(event.data.turnId, 0)]);
  });

  it('requests both tools of step 0 at once, with deterministic ids, inside a unit of work', async () => {
    const event = turnEvent();
    await workflow.startTurn(event);
    await workflow.startTurn(event); // redelivered: no second request
    const requests = publisher.of(ToolRequested);
    expect(requests.map((r) => r.data.tool)).toEqual([CRM, KB]);
    expect(requests.every((r) => r.inTransaction)).toBe(true);
    const crm = requests[0];
    expect(crm.data.toolCallId).toBe(deriveId(event.data.turnId, 'step', '0', '0'));
    expect(requests[1].data.toolCallId).toBe(deriveId(event.data.turnId, 'step', '0', '1'));
    expect(crm.data.arguments).toEqual({ email: 'jane@acme.io', company: 'Acme Corp' });
    expect(crm.options.id).toBe(TurnIds.toolRequestedEvent(crm.data.toolCallId as string));
    expect(requests[1].data.arguments).toEqual({ query: event.data.text, limit: 4 });
    const stored = await repository.findTurn(event.data.turnId);
    expect(stored).toMatchObject({ status: 'pending_tools', step: 0 });
    const [round] = await repository.rounds(event.data.turnId);
    expect(round.calls.map((c) => [c.providerCallId, c.tool, c.status])).toEqual([
      ['offline_0_0', CRM, 'requested'],
      ['offline_0_1', KB, 'requested'],
    ]);
  });

  it('publishes analysis then reply exactly once, even when a tool result is delivered twice', async () => {
    const event = turnEvent();
    const turn = event.data;
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(toolCompleted(turn, call(turn.turnId, 1), KB, kbResult));
    await workflow.recordToolOutcome(toolCompleted(turn, call(turn.turnId, 1), KB, kbResult)); // duplicate
    expect(publisher.of(ReplyGenerated)).toHaveLength(0);
    await workflow.recordToolOutcome(toolCompleted(turn, call(turn.turnId, 0), CRM, crmResult));
    await workflow.recordToolOutcome(toolCompleted(turn, call(turn.turnId, 0), CRM, crmResult)); // late

    const outcomes = publisher.published.filter((p) =>
      [AnalysisCompleted.type, ReplyGenerated.type].includes(p.type),
    );
    expect(outcomes.map((p) => p.type)).toEqual([AnalysisCompleted.type, ReplyGenerated.type]);
    expect(outcomes.every((p) => p.inTransaction)).toBe(true);
    const reply = outcomes[1];
    expect(reply.options.id).toBe(TurnIds.replyEvent(turn.turnId));
    expect(reply.data).toMatchObject({
      replyId: deriveId(turn.turnId, 'reply'),
      kind: 'reply',
      model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'offline-2026-11' },
      toolCallIds: [call(turn.turnId, 0), call(turn.turnId, 1)],
    });
    expect(reply.data.usage).toMatchObject({ modelCalls: 2, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(reply.data.text).toContain('Hi Jane');
    expect(reply.data.text).toContain('credit-based');
    const grounding = reply.data.grounding as { sourceId: string; kind: string }[];
    expect(grounding.map((g) => [g.sourceId, g.kind])).toEqual([
      ['kb:posthog/annual-plans.md#1', 'knowledge_base'],
      ['crm:contact:c-1', 'crm'],
    ]);
    const citations = reply.data.citations as { sourceId: string }[];
    expect(citations.map((c) => c.sourceId)).toContain('kb:posthog/annual-plans.md#1');
    const timing = reply.data.timing as Record<string, unknown>;
    expect(timing.turnReceivedAt).toBe(turn.receivedAt);
    // Per-tool latency for the evaluator: each call's round trip, in the model's order.
    expect(timing.tools).toEqual([
      { tool: expect.any(String), toolCallId: call(turn.turnId, 0), durationMs: expect.any(Number) },
      { tool: expect.any(String), toolCallId: call(turn.turnId, 1), durationMs: expect.any(Number) },
    ]);
    const analysis = outcomes[0].data.analysis as {
      entities: { type: string; value?: string }[];
      stage: string;
    };
    expect(analysis.entities).toContainEqual(expect.objectContaining({ type: 'budget', value: '50000 USD' }));
    // A pricing question with a budget moves past the CRM's qualification stage: proposed, not applied.
    expect(analysis.stage).toBe('proposal');
    expect(outcomes[0].data.proposedCrmUpdates).toEqual([
      expect.objectContaining({ entity: 'deal', field: 'stage', value: 'proposal' }),
    ]);
    expect(outcomes[0].data.nextBestActions).toContainEqual(
      expect.objectContaining({ action: 'Send pricing and annual plan details' }),
    );
    const stored = await repository.findTurn(turn.turnId);
    expect(stored?.status).toBe('completed');
    expect(stored?.replyText).toBe(reply.data.text);
  });

  it('streams the reply as deltas, at once and in order, before the reply itself', async () => {
    const event = turnEvent();
    const turn = event.data;
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(toolCompleted(turn, call(turn.turnId, 1), KB, kbResult));
    await workflow.recordToolOutcome(toolCompleted(turn, call(turn.turnId, 0), CRM, crmResult));
    const deltas = publisher.of(ReplyDelta, turn.turnId);
    const [reply] = publisher.of(ReplyGenerated, turn.turnId);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.data.index)).toEqual(deltas.map((_d, i) => i));
    expect(deltas.every((d) => d.options.immediate === true && d.inTransaction)).toBe(true);
    expect(deltas.every((d) => d.seq < reply.seq)).toBe(true);
    expect(deltas.map((d) => d.data.text).join('')).toBe(reply.data.text);
    const replyId = deriveId(turn.turnId, 'reply');
    expect(deltas.map((d) => d.options.id)).toEqual(
      deltas.map((_d, i) => deriveId(replyId, 'delta', String(i))),
    );
    expect(deltas.every((d) => d.data.replyId === replyId)).toBe(true);
  });

  it('generates exactly one reply when the tool results arrive concurrently (locks)', async () => {
    // Widen the race: each handler pauses inside its transaction after recording its outcome.
    class SlowRepository extends TurnRepository {
      override async toolCalls(turnId: string) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return super.toolCalls(turnId);
      }
    }
    workflow = new TurnWorkflow(new SlowRepository(db.uow), publisher, new OfflineLanguageModel(), config);
    const event = turnEvent();
    await workflow.startTurn(event);
    const id = event.data.turnId;
    await Promise.all([
      workflow.recordToolOutcome(toolCompleted(event.data, call(id, 1), KB, kbResult)),
      workflow.recordToolOutcome(toolCompleted(event.data, call(id, 0), CRM, crmResult)),
      workflow.recordToolOutcome(toolCompleted(event.data, call(id, 0), CRM, crmResult)),
    ]);
    expect(publisher.of(ReplyGenerated)).toHaveLength(1);
    expect(publisher.of(AnalysisCompleted)).toHaveLength(1);
  });

  it('still replies, with a follow-up and no knowledge grounding, when the knowledge search failed', async () => {
    const event = turnEvent({ text: 'Do you support on-premise deployment?' });
    const id = event.data.turnId;
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(toolFailed(event.data, call(id, 1), KB));
    await workflow.recordToolOutcome(toolCompleted(event.data, call(id, 0), CRM, { found: false }));
    const replies = publisher.of(ReplyGenerated);
    expect(replies).toHaveLength(1);
    expect(replies[0].data.grounding).toEqual([]);
    expect(replies[0].data.citations).toEqual([]);
    expect(replies[0].data.text).toMatch(/follow up/);
  });

  it('gives the model earlier turns with the assistant replies as history; a rep turn is only analysed', async () => {
    const first = turnEvent();
    const conversationId = first.data.conversationId;
    await workflow.startTurn(first);
    await workflow.recordToolOutcome(toolCompleted(first.data, call(first.data.turnId, 1), KB, kbResult));
    await workflow.recordToolOutcome(toolCompleted(first.data, call(first.data.turnId, 0), CRM, crmResult));
    const firstReply = publisher.of(ReplyGenerated, first.data.turnId)[0].data.text as string;
    const rep = turnEvent({
      conversationId,
      sequence: 2,
      role: 'rep',
      text: 'Happy to help! What is your timeline?',
    });
    await workflow.startTurn(rep);
    expect(publisher.published.filter((p) => p.data.turnId === rep.data.turnId).map((p) => p.type)).toEqual([
      AnalysisCompleted.type,
    ]);
    const seen: ModelStepRequest[] = [];
    class SpyModel extends OfflineLanguageModel {
      override async step(request: ModelStepRequest): Promise<ModelStep> {
        seen.push(request);
        return super.step(request);
      }
    }
    workflow = new TurnWorkflow(repository, publisher, new SpyModel(), config);
    const third = turnEvent({ conversationId, sequence: 3, text: 'We want to start next quarter.' });
    await workflow.startTurn(third);
    expect(seen[0].context.history).toEqual([
      { sequence: 1, role: 'prospect', text: first.data.text, reply: firstReply },
      { sequence: 2, role: 'rep', text: rep.data.text },
    ]);
    expect(seen[0].tools.map((t) => t.name)).toEqual([CRM, KB]);
    expect(seen[0].tools[0].inputJsonSchema).toMatchObject({ type: 'object' });
  });

  it('publishes turn.failed with the model error code and no reply', async () => {
    class RejectedKeyModel extends OfflineLanguageModel {
      override async step(): Promise<ModelStep> {
        throw new ModelError('model_auth_failed', 'the Anthropic API rejected the API key (401)', {
          status: 401,
        });
      }
    }
    workflow = new TurnWorkflow(repository, publisher, new RejectedKeyModel(), config);
    const event = turnEvent();
    await workflow.startTurn(event);
    const failures = publisher.of(TurnFailed, event.data.turnId);
    expect(failures).toHaveLength(1);
    expect(failures[0].data.reason).toEqual({
      code: 'model_auth_failed',
      message: 'the Anthropic API rejected the API key (401)',
    });
    expect(failures[0].options.id).toBe(TurnIds.failedEvent(event.data.turnId));
    expect(publisher.of(ReplyGenerated, event.data.turnId)).toHaveLength(0);
    expect(publisher.of(ToolRequested, event.data.turnId)).toHaveLength(0);
    expect((await repository.findTurn(event.data.turnId))?.status).toBe('failed');
  });

  it('reports other model exceptions as model_failed', async () => {
    class BrokenModel extends OfflineLanguageModel {
      override async step(): Promise<ModelStep> {
        throw new Error('boom');
      }
    }
    workflow = new TurnWorkflow(repository, publisher, new BrokenModel(), config);
    const event = turnEvent();
    await workflow.startTurn(event);
    expect(publisher.of(TurnFailed, event.data.turnId)[0].data.reason).toEqual({
      code: 'model_failed',
      message: 'the language model failed: boom',
    });
  });

  it('goes on with a round whose tool never answered once the tool timeout has passed', async () => {
    const event = turnEvent();
    const id = event.data.turnId;
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(toolCompleted(event.data, call(id, 1), KB, kbResult));
    expect(await workflow.expireOverdueTurns(new Date())).toBe(0);
    // Other tests of this suite left turns waiting too: they go on as well.
    expect(
      await workflow.expireOverdueTurns(new Date(Date.now() + config.toolTimeoutMs + 1000)),
    ).toBeGreaterThanOrEqual(1);
    const replies = publisher.of(ReplyGenerated, id);
    expect(replies).toHaveLength(1);
    expect(replies[0].data.text).toContain('credit-based');
    const calls = await repository.toolCalls(id);
    expect(calls.find((c) => c.tool === CRM)?.error?.code).toBe('timeout');
    // A late result changes nothing.
    await workflow.recordToolOutcome(toolCompleted(event.data, call(id, 0), CRM, crmResult));
    expect(publisher.of(ReplyGenerated, id)).toHaveLength(1);
    expect(await workflow.expireOverdueTurns(new Date(Date.now() + config.toolTimeoutMs + 1000))).toBe(0);
  });
});

describe('orchestrator migrations', () => {
  it('apply and revert cleanly', async () => {
    const db = await createMigratedDatabase(ORCHESTRATOR_DATABASE);
    try {
      const tables = async (): Promise<string[]> =>
        (
          await db.dataSource.query<{ table_name: string }[]>(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = 'orchestrator' ORDER BY 1`,
          )
        ).map((r) => r.table_name);
      expect(await tables()).toEqual([
        'conversation_summaries',
        'deleted_conversations',
        'inbox',
        'migrations',
        'outbox',
        'tool_calls',
        'turn_rounds',
        'turns',
      ]);
      expect(await revertAllMigrations(db.dataSource)).toBe(4);
      expect(await tables()).toEqual(['migrations']);
    } finally {
      await db.close();
    }
  });
});
