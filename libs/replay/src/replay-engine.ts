import { performance } from 'node:perf_hooks';
import { deriveId, type PolicyFlag, type ReplyGeneratedData } from '@lib/contracts';
import { relevance as relevanceOf, scoreReply, type ScoringOptions } from '@lib/evaluation';
import {
  assembleContext,
  crmProfile,
  groundingSources,
  knowledgePassages,
  ModelError,
  validateFinalOutcome,
  type ConversationSummary,
  type HistoryTurn,
  type KnowledgePassage,
  type ModelRound,
  type SteppingLanguageModel,
  type ToolDeclaration,
  type ToolOutcome,
  type TurnContext,
  type TurnOutcome,
} from '@lib/orchestration';
import type { RecordedConversation, RecordedTurn } from './dataset';
import {
  aggregate,
  buildReport,
  type ConversationResult,
  type ReplayReport,
  type TurnResult,
} from './report';
import type { ReplayToolCall, ReplayToolRunner } from './tool-runner';

/** What a policy check gets for one reply (the evaluator's `checkPolicies` input, minus its settings). */
export interface PolicyCheckInput {
  readonly reply: string;
  readonly grounding: readonly { sourceId: string; title: string; text: string }[];
  readonly prospectMessage: string;
  readonly prospectMessages: readonly string[];
}
export type PolicyChecker = (input: PolicyCheckInput) => readonly PolicyFlag[];

export interface ReplayEngineOptions {
  /** The same model step the orchestrator uses (offline rule engine or Claude), on the chosen prompt. */
  readonly model: SteppingLanguageModel;
  /** Runs the model's tool calls in process (knowledge base, CRM). */
  readonly tools: ReplayToolRunner;
  /** The tools declared to the model (the orchestrator's `declaredTools(config)`). */
  readonly declarations: readonly ToolDeclaration[];
  readonly scoring: ScoringOptions;
  /** The evaluator's policy checks, when available. */
  readonly policy?: PolicyChecker;
  /** Model calls per turn (the orchestrator's `ORCHESTRATOR_MAX_STEPS`). Default 4. */
  readonly maxSteps?: number;
  readonly contextTokenBudget?: number;
  readonly historyTurns?: number;
}

export interface ReplayProgress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  /** Estimated remaining time from the pace so far (NaN before the first conversation is done). */
  readonly etaMs: number;
  readonly conversationId: string;
}

function uniquePassages(outcomes: readonly ToolOutcome[]): KnowledgePassage[] {
  const seen = new Set<string>();
  return knowledgePassages(outcomes).filter((p) => !seen.has(p.sourceId) && seen.add(p.sourceId));
}

function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof ModelError) return { code: error.code, message: error.message };
  return { code: 'replay_error', message: error instanceof Error ? error.message : String(error) };
}

function expectations(turn: RecordedTurn, outcome: TurnOutcome | undefined): TurnResult['expected'] {
  if (!turn.expected) return undefined;
  const found = new Set(outcome?.analysis.intents.map((i) => i.name) ?? []);
  const intents = turn.expected.intents
    ? { expected: turn.expected.intents, missing: turn.expected.intents.filter((i) => !found.has(i)) }
    : undefined;
  const stage = turn.expected.stage
    ? { expected: turn.expected.stage, actual: outcome?.analysis.stage ?? undefined }
    : undefined;
  const met =
    outcome !== undefined &&
    (intents?.missing.length ?? 0) === 0 &&
    (stage === undefined || stage.actual === stage.expected);
  return { ...(intents ? { intents } : {}), ...(stage ? { stage } : {}), met };
}

/**
 * Replays recorded conversations through a model and prompt version: each prospect turn runs the
 * orchestrator's tool loop (the same `SteppingLanguageModel.step`, context assembly, output validation and
 * grounding as `TurnWorkflow`, without Kafka or the orchestrator's tables), its tool calls executed in process,
 * and every reply is scored with the evaluator's deterministic scoring (and policy checks when given).
 * Rep turns of the recording go into the history as they were.
 */
export class ReplayEngine {
  private readonly maxSteps: number;
  private readonly budget: number;
  private readonly historyTurns: number;

  constructor(private readonly options: ReplayEngineOptions) {
    this.maxSteps = options.maxSteps ?? 4;
    this.budget = options.contextTokenBudget ?? 12_000;
    this.historyTurns = options.historyTurns ?? 10;
  }

  async run(
    dataset: string,
    conversations: readonly RecordedConversation[],
    onProgress?: (progress: ReplayProgress) => void,
  ): Promise<ReplayReport> {
    const startedAt = new Date();
    const started = performance.now();
    const results: ConversationResult[] = [];
    for (const conversation of conversations) {
      results.push(await this.replayConversation(conversation));
      const elapsedMs = performance.now() - started;
      const done = results.length;
      onProgress?.({
        done,
        total: conversations.length,
        elapsedMs,
        etaMs: (elapsedMs / done) * (conversations.length - done),
        conversationId: conversation.id,
      });
    }
    return buildReport({
      dataset,
      promptVersion: this.options.model.info.promptVersion,
      model: this.options.model.info,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      conversations: results,
    });
  }

  async replayConversation(recorded: RecordedConversation): Promise<ConversationResult> {
    const conversationId = deriveId('replay', recorded.id);
    const history: HistoryTurn[] = [];
    const prospectMessages: string[] = [];
    let summary: ConversationSummary | undefined;
    const turns: TurnResult[] = [];
    for (const [index, turn] of recorded.turns.entries()) {
      const sequence = index + 1;
      if (turn.role !== 'prospect') {
        history.push({ sequence, role: turn.role, text: turn.text });
        continue;
      }
      prospectMessages.push(turn.text);
      const { result, replyText, nextSummary } = await this.replayTurn(recorded, turn, {
        conversationId,
        turnId: deriveId(conversationId, 'turn', String(sequence)),
        index,
        history,
        summary,
        prospectMessages,
      });
      summary = nextSummary;
      turns.push(result);
      history.push({
        sequence,
        role: 'prospect',
        text: turn.text,
        ...(replyText ? { reply: replyText } : {}),
      });
    }
    return { id: recorded.id, mode: recorded.conversation.mode, turns, metrics: aggregate(turns) };
  }

  private async replayTurn(
    recorded: RecordedConversation,
    turn: RecordedTurn,
    state: {
      conversationId: string;
      turnId: string;
      index: number;
      history: readonly HistoryTurn[];
      summary?: ConversationSummary;
      prospectMessages: readonly string[];
    },
  ): Promise<{ result: TurnResult; replyText?: string; nextSummary?: ConversationSummary }> {
    const { model } = this.options;
    const started = performance.now();
    const receivedAt = new Date();
    const rounds: ModelRound[] = [];
    const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, modelCalls: 0 };
    let toolsMs = 0;
    let generationMs = 0;
    let summary = state.summary;

    const contextFor = (outcomes: readonly ToolOutcome[]): TurnContext => {
      const assembled = assembleContext({
        budgetTokens: this.budget,
        maxHistoryTurns: this.historyTurns,
        message: turn.text,
        history: state.history,
        summary: state.summary,
        crm: crmProfile(outcomes),
        knowledge: uniquePassages(outcomes),
      });
      if (assembled.summaryChanged) summary = assembled.summary;
      return {
        conversationId: state.conversationId,
        turnId: state.turnId,
        mode: recorded.conversation.mode,
        prospect: recorded.conversation.prospect,
        role: 'prospect',
        message: turn.text,
        history: assembled.history,
        summary: assembled.summary,
        tools: outcomes,
        knowledge: assembled.knowledge,
        crm: assembled.crm,
      };
    };

    const base = {
      index: state.index,
      message: turn.text,
      toolCalls: 0,
      usage,
    };
    let outcome: TurnOutcome | undefined;
    try {
      for (let step = 0; step < this.maxSteps && !outcome; step += 1) {
        const outcomes = rounds.flatMap((r) => r.outcomes);
        const generationStarted = performance.now();
        const result = await model.step({
          context: contextFor(outcomes),
          rounds,
          tools: this.options.declarations,
          finalOnly: step === this.maxSteps - 1,
        });
        generationMs += performance.now() - generationStarted;
        usage.inputTokens += Math.max(0, Math.round(result.usage.inputTokens));
        usage.outputTokens += Math.max(0, Math.round(result.usage.outputTokens));
        usage.costUsd += Math.max(0, result.usage.costUsd ?? 0);
        usage.modelCalls += 1;
        if (result.kind === 'final') {
          outcome = result.outcome;
          break;
        }
        if (step === this.maxSteps - 1) {
          throw new ModelError('invalid_model_output', 'the model still asked for tools at the last step');
        }
        const calls: ReplayToolCall[] = result.calls.map((call, i) => ({
          toolCallId: deriveId(state.turnId, 'step', String(step), String(i)),
          tool: call.name,
          arguments: call.input,
          conversationId: state.conversationId,
          turnId: state.turnId,
        }));
        const toolsStarted = performance.now();
        const roundOutcomes = await Promise.all(calls.map((c) => this.options.tools.run(c)));
        toolsMs += performance.now() - toolsStarted;
        rounds.push({
          calls: result.calls,
          outcomes: roundOutcomes,
          assistantContent: result.assistantContent,
        });
      }
      if (!outcome) throw new ModelError('invalid_model_output', 'no final outcome within the step bound');
    } catch (error) {
      return {
        result: {
          ...base,
          toolCalls: rounds.reduce((n, r) => n + r.calls.length, 0),
          status: 'failed',
          citations: [],
          policyFlags: [],
          failure: errorOf(error),
          latencyMs: performance.now() - started,
          toolsMs,
          generationMs,
          expected: expectations(turn, undefined),
        },
        nextSummary: summary,
      };
    }

    const outcomes = rounds.flatMap((r) => r.outcomes);
    const grounding = groundingSources(uniquePassages(outcomes), crmProfile(outcomes));
    const toolCalls = rounds.reduce((n, r) => n + r.calls.length, 0);
    try {
      const validated = validateFinalOutcome(outcome, {
        groundingIds: new Set(grounding.map((g) => g.sourceId)),
        replyRequired: true,
      });
      const reply = validated.outcome.reply!;
      const latencyMs = performance.now() - started;
      const event: ReplyGeneratedData = {
        conversationId: state.conversationId,
        turnId: state.turnId,
        replyId: deriveId(state.turnId, 'reply'),
        kind: recorded.conversation.mode === 'autonomous' ? 'reply' : 'suggestion',
        text: reply.text,
        citations: [...reply.citations],
        grounding,
        toolCallIds: rounds.flatMap((r, step) =>
          r.calls.map((_, i) => deriveId(state.turnId, 'step', String(step), String(i))),
        ),
        model: model.info,
        usage: {
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          costUsd: Math.round(usage.costUsd * 1e6) / 1e6,
          modelCalls: usage.modelCalls,
        },
        timing: {
          turnReceivedAt: receivedAt.toISOString(),
          orchestrationStartedAt: receivedAt.toISOString(),
          toolsMs,
          generationMs,
        },
        generatedAt: new Date(receivedAt.getTime() + Math.round(latencyMs)).toISOString(),
      };
      const scores = scoreReply(event, this.options.scoring);
      const policyFlags =
        this.options.policy?.({
          reply: reply.text,
          grounding,
          prospectMessage: turn.text,
          prospectMessages: state.prospectMessages,
        }) ?? [];
      return {
        result: {
          ...base,
          toolCalls,
          status: 'replied',
          reply: reply.text,
          citations: reply.citations.map((c) => c.sourceId),
          scores: {
            groundedness: scores.groundedness,
            grounded: scores.grounded,
            citationValidity: scores.citationValidity,
            relevance: relevanceOf(turn.text, reply.text).score,
            schemaValid: scores.schemaValid,
            schemaIssues: scores.schemaIssues,
            unsupportedClaims: scores.claims.filter((c) => !c.supported).map((c) => c.claim),
          },
          policyFlags: [...policyFlags],
          latencyMs,
          toolsMs,
          generationMs,
          expected: expectations(turn, validated.outcome),
        },
        replyText: reply.text,
        nextSummary: summary,
      };
    } catch (error) {
      return {
        result: {
          ...base,
          toolCalls,
          status: 'failed',
          citations: [],
          policyFlags: [],
          failure: errorOf(error),
          latencyMs: performance.now() - started,
          toolsMs,
          generationMs,
          expected: expectations(turn, undefined),
        },
        nextSummary: summary,
      };
    }
  }
}
