import { AnalysisCompleted, ReplyDelta, ReplyGenerated, ToolRequested, TurnFailed } from '@lib/contracts';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { analyseMessage } from '../offline/analyser';
import { OfflineLanguageModel } from '../offline/offline-language-model';
import {
  ModelError,
  type ModelStep,
  type ModelStepRequest,
  type SteppingLanguageModel,
  type TokenUsage,
} from '../model/model-step';
import type { OrchestratorConfig } from '../orchestrator.config';
import { ORCHESTRATOR_DATABASE } from './orchestrator-database';
import { TurnIds, TurnWorkflow } from './turn-workflow.service';
import { TurnRepository } from './turn.repository';
import {
  CommittedPublisher,
  crmResult,
  kbResult,
  securityResult,
  testConfig,
  toolCompleted,
  toolFailed,
  turnEvent,
} from './workflow.test-fixtures';

const CRM = 'crm_lookup_prospect';
const KB = 'knowledge_search';
const ANNUAL = 'kb:posthog/annual-plans.md#1';
const SECURITY = 'kb:posthog/security.md#0';

const usage = (inputTokens: number, outputTokens: number, extra: Partial<TokenUsage> = {}): TokenUsage => ({
  inputTokens,
  outputTokens,
  ...extra,
});

/**
 * A scripted Claude stand-in: step n of a turn answers `script[n]` (n = the number of rounds it is given),
 * and every request is kept for the assertions.
 */
class ScriptedModel implements SteppingLanguageModel {
  readonly info = { provider: 'scripted', name: 'scripted-1', promptVersion: 'test-v1' };
  readonly requests: ModelStepRequest[] = [];
  constructor(
    private readonly script: readonly ((request: ModelStepRequest) => ModelStep | Promise<ModelStep>)[],
  ) {}
  async step(request: ModelStepRequest): Promise<ModelStep> {
    this.requests.push(request);
    const next = this.script[Math.min(request.rounds.length, this.script.length - 1)];
    return next(request);
  }
}

/** Two rounds (the first with two parallel calls), then a cited final answer streamed in two deltas. */
function twoRoundScript(): ScriptedModel {
  return new ScriptedModel([
    () => ({
      kind: 'tool_calls',
      calls: [
        { providerCallId: 'toolu_a', name: CRM, input: { email: 'jane@acme.io' } },
        { providerCallId: 'toolu_b', name: KB, input: { query: 'annual plan discount' } },
      ],
      assistantContent: [
        { type: 'tool_use', id: 'toolu_a' },
        { type: 'tool_use', id: 'toolu_b' },
      ],
      usage: usage(100, 20, { cacheWriteTokens: 80, costUsd: 0.001 }),
    }),
    () => ({
      kind: 'tool_calls',
      calls: [{ providerCallId: 'toolu_c', name: KB, input: { query: 'SOC 2' } }],
      assistantContent: [{ type: 'tool_use', id: 'toolu_c' }],
      usage: usage(150, 10, { cacheReadTokens: 80, costUsd: 0.0005 }),
    }),
    (request) => {
      request.onReplyDelta?.('Our annual plans are credit-based, ');
      request.onReplyDelta?.('and we are SOC 2 Type 1 compliant.');
      return {
        kind: 'final',
        outcome: {
          analysis: analyseMessage(request.context.message, request.context.crm),
          reply: {
            text: 'Our annual plans are credit-based, and we are SOC 2 Type 1 compliant.',
            citations: [
              { sourceId: ANNUAL, title: 'Annual plans', source: 'posthog/annual-plans.md' },
              { sourceId: 'kb:invented.md#9', title: 'Invented', source: 'nowhere' },
              { sourceId: SECURITY, title: 'Security', source: 'posthog/security.md' },
            ],
          },
          nextBestActions: [{ action: 'Send the SOC 2 report', reason: 'Security came up' }],
          proposedCrmUpdates: [],
        },
        usage: usage(300, 60, { cacheReadTokens: 80, costUsd: 0.002 }),
      };
    },
  ]);
}

describe('the tool loop on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let publisher: CommittedPublisher;
  let repository: TurnRepository;

  const workflowWith = (model: SteppingLanguageModel, config: Partial<OrchestratorConfig> = {}) =>
    new TurnWorkflow(repository, publisher, model, { ...testConfig, ...config });

  beforeAll(async () => {
    db = await createMigratedDatabase(ORCHESTRATOR_DATABASE);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    publisher = new CommittedPublisher(db.uow);
    repository = new TurnRepository(db.uow);
  });

  it('runs two rounds (two parallel calls, then one) and publishes one validated, cited reply', async () => {
    const model = twoRoundScript();
    const workflow = workflowWith(model);
    const event = turnEvent({ text: 'Do annual plans come with a discount? And are you SOC 2 compliant?' });
    const turn = event.data;
    const [a, b, c] = [
      TurnIds.toolCall(turn.turnId, 0, 0),
      TurnIds.toolCall(turn.turnId, 0, 1),
      TurnIds.toolCall(turn.turnId, 1, 0),
    ];

    await workflow.startTurn(event);
    expect(
      publisher.of(ToolRequested).map((r) => [r.data.toolCallId, r.data.tool, r.data.arguments]),
    ).toEqual([
      [a, CRM, { email: 'jane@acme.io' }],
      [b, KB, { query: 'annual plan discount' }],
    ]);
    expect(model.requests[0]).toMatchObject({ rounds: [], finalOnly: false });
    expect(model.requests[0].tools.map((t) => t.name)).toEqual([CRM, KB]);

    await workflow.recordToolOutcome(toolCompleted(turn, b, KB, kbResult));
    expect(model.requests).toHaveLength(1); // the round is not complete yet
    await workflow.recordToolOutcome(toolCompleted(turn, a, CRM, crmResult));
    expect(model.requests).toHaveLength(2);
    const [round0] = model.requests[1].rounds;
    expect(round0.calls.map((x) => x.providerCallId)).toEqual(['toolu_a', 'toolu_b']);
    expect(round0.outcomes.map((o) => [o.toolCallId, o.tool, o.status])).toEqual([
      [a, CRM, 'completed'],
      [b, KB, 'completed'],
    ]);
    expect(round0.assistantContent).toEqual([
      { type: 'tool_use', id: 'toolu_a' },
      { type: 'tool_use', id: 'toolu_b' },
    ]);
    expect(model.requests[1].context.crm?.firstName).toBe('Jane');
    expect(publisher.of(ToolRequested).map((r) => r.data.toolCallId)).toEqual([a, b, c]);
    expect(await repository.findTurn(turn.turnId)).toMatchObject({ status: 'pending_tools', step: 1 });

    await workflow.recordToolOutcome(toolCompleted(turn, c, KB, securityResult));
    expect(model.requests).toHaveLength(3);
    expect(model.requests[2].rounds).toHaveLength(2);
    expect(model.requests[2].context.knowledge.map((p) => p.sourceId)).toEqual([ANNUAL, SECURITY]);

    const outcomes = publisher.published.filter((p) => p.type !== ToolRequested.type);
    expect(outcomes.map((p) => p.type)).toEqual([
      ReplyDelta.type,
      ReplyDelta.type,
      AnalysisCompleted.type,
      ReplyGenerated.type,
    ]);
    const reply = publisher.of(ReplyGenerated)[0].data;
    expect(reply.citations).toEqual([
      { sourceId: ANNUAL, title: 'Annual plans', source: 'posthog/annual-plans.md' },
      { sourceId: SECURITY, title: 'Security', source: 'posthog/security.md' },
    ]);
    expect((reply.grounding as { sourceId: string }[]).map((g) => g.sourceId)).toEqual([
      ANNUAL,
      SECURITY,
      'crm:contact:c-1',
    ]);
    expect(reply.toolCallIds).toEqual([a, b, c]);
    expect(reply.usage).toEqual({
      inputTokens: 550,
      outputTokens: 90,
      cacheReadTokens: 160,
      cacheWriteTokens: 80,
      costUsd: 0.0035,
      modelCalls: 3,
    });
    expect(reply.model).toEqual(model.info);
    expect(publisher.of(AnalysisCompleted)[0].data.nextBestActions).toEqual([
      { action: 'Send the SOC 2 report', reason: 'Security came up' },
    ]);
    expect(await repository.findTurn(turn.turnId)).toMatchObject({ status: 'completed', step: 1 });
  });

  it('asks for the final answer at the last step and fails the turn when the model still wants tools', async () => {
    const toolsForever = new ScriptedModel([
      () => ({
        kind: 'tool_calls',
        calls: [{ providerCallId: 'toolu_x', name: KB, input: { query: 'more' } }],
        usage: usage(10, 1),
      }),
    ]);
    const workflow = workflowWith(toolsForever, { maxSteps: 2 });
    const event = turnEvent();
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(
      toolCompleted(event.data, TurnIds.toolCall(event.data.turnId, 0, 0), KB, kbResult),
    );
    expect(toolsForever.requests.map((r) => r.finalOnly)).toEqual([false, true]);
    const [failure] = publisher.of(TurnFailed, event.data.turnId);
    expect(failure.data.reason).toMatchObject({ code: 'invalid_model_output' });
    expect(publisher.of(ToolRequested, event.data.turnId)).toHaveLength(1);
    expect(publisher.of(ReplyGenerated, event.data.turnId)).toHaveLength(0);
  });

  it('requests a tool the registry does not know (the tool-runner answers unknown_tool) and fails unusable names locally', async () => {
    const offline = new OfflineLanguageModel();
    const model = new ScriptedModel([
      () => ({
        kind: 'tool_calls',
        calls: [
          { providerCallId: 'toolu_1', name: 'crm_delete_everything', input: {} },
          { providerCallId: 'toolu_2', name: 'not a tool name!', input: {} },
        ],
        usage: usage(10, 1),
      }),
      (request) => offline.step({ ...request, rounds: [{ calls: [], outcomes: [] }] }),
    ]);
    const workflow = workflowWith(model);
    const event = turnEvent();
    await workflow.startTurn(event);
    const requests = publisher.of(ToolRequested, event.data.turnId);
    expect(requests.map((r) => r.data.tool)).toEqual(['crm_delete_everything']);
    await workflow.recordToolOutcome(
      toolFailed(event.data, TurnIds.toolCall(event.data.turnId, 0, 0), 'crm_delete_everything', {
        code: 'unknown_tool',
        message: 'no such tool',
        retryable: false,
      }),
    );
    expect(
      model.requests[1].rounds[0].outcomes.map((o) => (o.status === 'failed' ? o.error.code : o.status)),
    ).toEqual(['unknown_tool', 'unknown_tool']);
    expect(publisher.of(ReplyGenerated, event.data.turnId)).toHaveLength(1);
  });

  it('takes the next step at once when every call of a round failed locally', async () => {
    const offline = new OfflineLanguageModel();
    const model = new ScriptedModel([
      () => ({
        kind: 'tool_calls',
        calls: [{ providerCallId: 't', name: '', input: {} }],
        usage: usage(1, 1),
      }),
      (request) => offline.step({ ...request, rounds: [{ calls: [], outcomes: [] }] }),
    ]);
    const event = turnEvent();
    await workflowWith(model).startTurn(event);
    expect(publisher.of(ToolRequested, event.data.turnId)).toHaveLength(0);
    expect(publisher.of(ReplyGenerated, event.data.turnId)).toHaveLength(1);
    expect(publisher.of(ReplyGenerated, event.data.turnId)[0].data.usage).toMatchObject({ modelCalls: 2 });
  });

  it('publishes turn.failed with the ModelError code when a later step fails, never a canned reply', async () => {
    const failing = new ScriptedModel([
      () => ({
        kind: 'tool_calls',
        calls: [{ providerCallId: 'toolu_k', name: KB, input: { query: 'pricing' } }],
        usage: usage(10, 1),
      }),
      () => {
        throw new ModelError('model_unavailable', 'Claude is overloaded (529) after 3 retries', {
          status: 529,
        });
      },
    ]);
    const event = turnEvent();
    const workflow = workflowWith(failing);
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(
      toolCompleted(event.data, TurnIds.toolCall(event.data.turnId, 0, 0), KB, kbResult),
    );
    expect(publisher.of(TurnFailed, event.data.turnId).map((f) => f.data.reason)).toEqual([
      { code: 'model_unavailable', message: 'Claude is overloaded (529) after 3 retries' },
    ]);
    expect(publisher.of(ReplyGenerated, event.data.turnId)).toHaveLength(0);
    expect(publisher.of(AnalysisCompleted, event.data.turnId)).toHaveLength(0);
  });

  describe('crash and redelivery: exactly one reply, no duplicate tool request', () => {
    /** Runs the two-round turn; `crash` arms a crash just before the handler at `point` runs. */
    async function runWithCrash(
      crash: () => void,
      point: 'turn' | 'round0' | 'round1',
    ): Promise<{ model: ScriptedModel; turnId: string }> {
      const model = twoRoundScript();
      let workflow = workflowWith(model);
      const event = turnEvent({ text: 'Annual plan discounts? SOC 2?' });
      const turn = event.data;
      const [a, b, c] = [
        TurnIds.toolCall(turn.turnId, 0, 0),
        TurnIds.toolCall(turn.turnId, 0, 1),
        TurnIds.toolCall(turn.turnId, 1, 0),
      ];
      const deliver = async (
        at: typeof point,
        handler: (w: TurnWorkflow) => Promise<void>,
      ): Promise<void> => {
        if (at !== point) return handler(workflow);
        crash();
        await expect(handler(workflow)).rejects.toThrow(/simulated crash/);
        // The inbox did not commit the event: the transport redelivers it, to a restarted instance.
        workflow = workflowWith(model);
        await handler(workflow);
        await handler(workflow); // and once more after success: an at-least-once duplicate
      };
      await deliver('turn', (w) => w.startTurn(event));
      await workflow.recordToolOutcome(toolCompleted(turn, a, CRM, crmResult));
      await deliver('round0', (w) => w.recordToolOutcome(toolCompleted(turn, b, KB, kbResult)));
      await deliver('round1', (w) => w.recordToolOutcome(toolCompleted(turn, c, KB, securityResult)));
      return { model, turnId: turn.turnId };
    }

    function expectExactlyOnce(turnId: string): void {
      expect(publisher.of(ReplyGenerated, turnId)).toHaveLength(1);
      expect(publisher.of(AnalysisCompleted, turnId)).toHaveLength(1);
      expect(publisher.of(TurnFailed, turnId)).toHaveLength(0);
      const ids = publisher.of(ToolRequested, turnId).map((r) => r.data.toolCallId);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
    }

    it('before the model call of step 0 (the turn is redelivered)', async () => {
      let armed = false;
      const original = repository.rounds.bind(repository);
      repository.rounds = async (turnId: string) => {
        if (armed) {
          armed = false;
          throw new Error('simulated crash before the model call');
        }
        return original(turnId);
      };
      const { model, turnId } = await runWithCrash(() => {
        armed = true;
      }, 'turn');
      expectExactlyOnce(turnId);
      expect(model.requests).toHaveLength(3);
      expect((await repository.findTurn(turnId))?.status).toBe('completed');
    });

    it('after the model asked for tools, before they were requested (step 0 rolled back)', async () => {
      const { model, turnId } = await runWithCrash(() => publisher.crashOn(ToolRequested), 'turn');
      expectExactlyOnce(turnId);
      expect(model.requests.filter((r) => r.rounds.length === 0)).toHaveLength(2); // step 0 taken again
    });

    it('while waiting for a tool: the result of step 1 is lost once, then redelivered', async () => {
      const { turnId } = await runWithCrash(() => publisher.crashOn(ToolRequested), 'round0');
      expectExactlyOnce(turnId);
    });

    it('after the reply was generated but before it was emitted', async () => {
      const { model, turnId } = await runWithCrash(() => publisher.crashOn(ReplyGenerated), 'round1');
      expectExactlyOnce(turnId);
      expect(model.requests.filter((r) => r.rounds.length === 2)).toHaveLength(2); // final step taken again
      // Deltas are sent at once, so the retried step sends them again, with the same event ids (deduped).
      const deltas = publisher.of(ReplyDelta, turnId);
      expect(deltas).toHaveLength(4);
      expect(new Set(deltas.map((d) => d.options.id)).size).toBe(2);
    });
  });

  describe('double-texting: queued per conversation, in order', () => {
    it('queues a prospect turn while one runs, starts it when that one ends, with the earlier reply in its history', async () => {
      const seen: ModelStepRequest[] = [];
      const offline = new OfflineLanguageModel();
      let failTurnId = '';
      const model: SteppingLanguageModel = {
        info: offline.info,
        async step(request) {
          seen.push(request);
          if (request.context.turnId === failTurnId && request.rounds.length > 0) {
            throw new ModelError('model_unavailable', 'overloaded');
          }
          return offline.step(request);
        },
      };
      const workflow = workflowWith(model);
      const t1 = turnEvent({ text: 'How much are annual plans?' });
      const conversationId = t1.data.conversationId;
      const t2 = turnEvent({ conversationId, sequence: 2, text: 'Also, are you SOC 2 compliant?' });
      const t3 = turnEvent({ conversationId, sequence: 3, text: 'And can we pay by invoice?' });
      failTurnId = t2.data.turnId;
      const callOf = (t: typeof t1, i: number): string => TurnIds.toolCall(t.data.turnId, 0, i);

      await workflow.startTurn(t1);
      await workflow.startTurn(t2);
      await workflow.startTurn(t2); // redelivered while queued
      await workflow.startTurn(t3);
      expect((await repository.findTurn(t2.data.turnId))?.status).toBe('queued');
      expect((await repository.findTurn(t3.data.turnId))?.status).toBe('queued');
      expect(publisher.of(ToolRequested, t2.data.turnId)).toHaveLength(0);

      await workflow.recordToolOutcome(toolCompleted(t1.data, callOf(t1, 0), CRM, crmResult));
      await workflow.recordToolOutcome(toolCompleted(t1.data, callOf(t1, 1), KB, kbResult));
      const reply1 = publisher.of(ReplyGenerated, t1.data.turnId)[0];
      const requests2 = publisher.of(ToolRequested, t2.data.turnId);
      expect(requests2).toHaveLength(2);
      // Same unit of work: turn 2's requests went out with turn 1's reply, after it.
      expect(requests2.every((r) => r.seq > reply1.seq)).toBe(true);
      expect((await repository.findTurn(t3.data.turnId))?.status).toBe('queued');
      const firstStepOf2 = seen.find((r) => r.context.turnId === t2.data.turnId);
      expect(firstStepOf2?.context.history).toEqual([
        { sequence: 1, role: 'prospect', text: t1.data.text, reply: reply1.data.text },
      ]);

      // Turn 2 fails: turn 3 starts all the same.
      await workflow.recordToolOutcome(toolCompleted(t2.data, callOf(t2, 0), CRM, crmResult));
      await workflow.recordToolOutcome(toolCompleted(t2.data, callOf(t2, 1), KB, securityResult));
      expect(publisher.of(TurnFailed, t2.data.turnId)).toHaveLength(1);
      expect(publisher.of(ToolRequested, t3.data.turnId)).toHaveLength(2);
      await workflow.recordToolOutcome(toolCompleted(t3.data, callOf(t3, 0), CRM, crmResult));
      await workflow.recordToolOutcome(toolCompleted(t3.data, callOf(t3, 1), KB, kbResult));
      expect(publisher.of(ReplyGenerated, t3.data.turnId)).toHaveLength(1);
      const firstStepOf3 = seen.find((r) => r.context.turnId === t3.data.turnId);
      expect(firstStepOf3?.context.history.map((h) => [h.sequence, h.reply !== undefined])).toEqual([
        [1, true],
        [2, false],
      ]);
      const replies = publisher.of(ReplyGenerated).filter((r) => r.data.conversationId === conversationId);
      expect(replies.map((r) => r.data.turnId)).toEqual([t1.data.turnId, t3.data.turnId]);
    });

    it('loses no turn when a new turn and the end of the running one race', async () => {
      // Widen the race: the new turn pauses after seeing the running turn, before it is stored as queued.
      // Without the conversation lock, the running turn ends meanwhile, finds no queued turn, and the new
      // turn then waits in the queue forever.
      class SlowRepository extends TurnRepository {
        override async hasActiveProspectTurn(conversationId: string, exceptTurnId: string) {
          const active = await super.hasActiveProspectTurn(conversationId, exceptTurnId);
          await new Promise((resolve) => setTimeout(resolve, 300));
          return active;
        }
      }
      repository = new SlowRepository(db.uow);
      const workflow = workflowWith(new OfflineLanguageModel());
      const t1 = turnEvent();
      const t2 = turnEvent({ conversationId: t1.data.conversationId, sequence: 2, text: 'Any news?' });
      const callOf = (i: number): string => TurnIds.toolCall(t1.data.turnId, 0, i);
      await workflow.startTurn(t1);
      await workflow.recordToolOutcome(toolCompleted(t1.data, callOf(0), CRM, crmResult));
      const second = workflow.startTurn(t2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await Promise.all([
        second,
        workflow.recordToolOutcome(toolCompleted(t1.data, callOf(1), KB, kbResult)),
      ]);
      expect(publisher.of(ReplyGenerated, t1.data.turnId)).toHaveLength(1);
      expect(publisher.of(ToolRequested, t2.data.turnId)).toHaveLength(2);
      expect((await repository.findTurn(t2.data.turnId))?.status).toBe('pending_tools');
    });
  });

  it('summarises what no longer fits the context budget, stores the summary and reuses it', async () => {
    const seen: ModelStepRequest[] = [];
    const offline = new OfflineLanguageModel();
    const model: SteppingLanguageModel = {
      info: offline.info,
      step: (request) => {
        seen.push(request);
        return offline.step(request);
      },
    };
    const workflow = workflowWith(model, { contextTokenBudget: 700, historyTurns: 3 });
    const first = turnEvent({
      role: 'rep',
      text: 'Hello Jane, thanks for reaching out about our analytics platform.',
    });
    const conversationId = first.data.conversationId;
    await workflow.startTurn(first);
    for (let sequence = 2; sequence <= 7; sequence += 1) {
      await workflow.startTurn(
        turnEvent({
          conversationId,
          sequence,
          role: 'rep',
          text: `Note ${sequence}: we discussed item ${sequence} in detail today.`,
        }),
      );
    }
    const last = seen[seen.length - 1].context;
    expect(last.history.map((h) => h.sequence)).toEqual([4, 5, 6]);
    expect(last.summary?.coversUpToSequence).toBe(3);
    expect(last.summary?.text).toContain(
      '#1 Rep: Hello Jane, thanks for reaching out about our analytics platform.',
    );
    const stored = await repository.summary(conversationId);
    expect(stored).toEqual(last.summary);
    // The next turn starts from the stored summary and extends it.
    await workflow.startTurn(turnEvent({ conversationId, sequence: 8, role: 'rep', text: 'One more note.' }));
    const next = seen[seen.length - 1].context;
    expect(next.summary?.coversUpToSequence).toBe(4);
    expect(next.summary?.text.startsWith(stored?.text ?? '-')).toBe(true);
    expect(next.history.map((h) => h.sequence)).toEqual([5, 6, 7]);
  });
});
