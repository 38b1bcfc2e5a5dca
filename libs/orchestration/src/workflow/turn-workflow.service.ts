import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import {
  AnalysisCompleted,
  AnalysisCompletedData,
  deriveId,
  ReplyGenerated,
  ReplyGeneratedData,
  ToolRequested,
  TurnFailed,
  type EnvelopeOf,
  type EventEnvelope,
  type ToolCompleted,
  type ToolFailed,
  type TurnReceived,
} from '@lib/contracts';
import { EventPublisher, type PublishOptions } from '@lib/messaging';
import { recordModelCall, recordTurnCost, recordTurnFailure } from '@lib/telemetry';
import { assembleContext } from '../context/context-assembly';
import { LanguageModel, type TurnContext } from '../model/language-model';
import {
  ModelError,
  type ModelRound,
  type ModelStep,
  type SteppingLanguageModel,
  type ToolDeclaration,
  type TokenUsage,
  type TurnOutcome,
} from '../model/model-step';
import {
  crmProfile,
  groundingSources,
  knowledgePassages,
  type KnowledgePassage,
  type ToolOutcome,
} from '../model/tool-outcomes';
import { declaredTools, ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config';
import { validateFinalOutcome } from './output-validation';
import { ReplyDeltaStream, replyDeltaEventId } from './reply-delta-stream';
import {
  NO_PROGRESS,
  toolOutcomeOf,
  TurnRepository,
  type NewToolCall,
  type RoundRecord,
  type TurnProgress,
  type TurnRecord,
} from './turn.repository';

/** Tool names a `tool.requested` event can carry; anything else fails locally as `unknown_tool`. */
const REQUESTABLE_TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Deterministic ids: redoing a step after a crash produces the same ids, which consumers deduplicate. */
export const TurnIds = {
  toolCall: (turnId: string, step: number, index: number): string =>
    deriveId(turnId, 'step', String(step), String(index)),
  toolRequestedEvent: (toolCallId: string): string => deriveId(toolCallId, 'tool.requested'),
  reply: (turnId: string): string => deriveId(turnId, 'reply'),
  replyDeltaEvent: replyDeltaEventId,
  analysisEvent: (turnId: string): string => deriveId(turnId, 'analysis.completed'),
  replyEvent: (turnId: string): string => deriveId(turnId, 'reply.generated'),
  failedEvent: (turnId: string): string => deriveId(turnId, 'turn.failed'),
} as const;

/** Passages of every round, best first, each source once (two searches may find the same passage). */
function uniquePassages(outcomes: readonly ToolOutcome[]): KnowledgePassage[] {
  const seen = new Set<string>();
  return knowledgePassages(outcomes).filter((p) => !seen.has(p.sourceId) && seen.add(p.sourceId));
}

/** Each finished tool call's round trip (requested → outcome recorded), for per-tool latency. */
function toolTimings(
  rounds: readonly RoundRecord[],
): { tool: string; toolCallId: string; durationMs: number }[] {
  return rounds.flatMap((r) =>
    r.calls.flatMap((c) =>
      c.finishedAt === undefined
        ? []
        : [
            {
              tool: c.tool,
              toolCallId: c.id,
              durationMs: Math.max(0, c.finishedAt.getTime() - c.requestedAt.getTime()),
            },
          ],
    ),
  );
}

function roundOutcomes(rounds: readonly RoundRecord[]): ToolOutcome[] {
  return rounds.flatMap((r) => r.calls.map(toolOutcomeOf)).filter((o): o is ToolOutcome => o !== undefined);
}

/** A stored round as the model gets it back: its calls (provider ids) and their outcomes, same order. */
function modelRound(round: RoundRecord): ModelRound {
  return {
    calls: round.calls.map((c) => ({
      providerCallId: c.providerCallId ?? c.id,
      name: c.tool,
      input: c.arguments,
    })),
    outcomes: round.calls.map(
      (c): ToolOutcome =>
        toolOutcomeOf(c) ?? {
          toolCallId: c.id,
          tool: c.tool,
          status: 'failed',
          error: { code: 'no_result', message: 'the tool gave no result', retryable: false },
        },
    ),
    assistantContent: round.assistantContent,
  };
}

function addUsage(
  progress: TurnProgress,
  usage: TokenUsage,
  generationMs: number,
  deltaCount: number,
): TurnProgress {
  return {
    ...progress,
    inputTokens: progress.inputTokens + Math.max(0, Math.round(usage.inputTokens)),
    outputTokens: progress.outputTokens + Math.max(0, Math.round(usage.outputTokens)),
    cacheReadTokens: progress.cacheReadTokens + Math.max(0, Math.round(usage.cacheReadTokens ?? 0)),
    cacheWriteTokens: progress.cacheWriteTokens + Math.max(0, Math.round(usage.cacheWriteTokens ?? 0)),
    costUsd: progress.costUsd + Math.max(0, usage.costUsd ?? 0),
    modelCalls: progress.modelCalls + 1,
    generationMs: Math.round((progress.generationMs + generationMs) * 1000) / 1000,
    deltaCount,
  };
}

/**
 * The durable tool loop of a turn. A prospect's turn is stored and the model takes step 0; a step that asks
 * for tools stores its round and publishes one `tool.requested` per call; each result is recorded once
 * (turn row lock) and the last one of the round makes the model take the next step with every round so
 * far; a final step is validated, then analysis and reply are published. Each step runs in the unit of
 * work of the event that triggered it: its state and its events (outbox) commit together, so a crash at
 * any point resumes from the last committed step when the event is redelivered. Prospect turns of one
 * conversation run one at a time: a turn arriving while another runs is queued (double-texting).
 */
@Injectable()
export class TurnWorkflow {
  private readonly logger = new Logger(TurnWorkflow.name);
  private readonly tools: readonly ToolDeclaration[];

  constructor(
    private readonly turns: TurnRepository,
    private readonly publisher: EventPublisher,
    @Inject(LanguageModel) private readonly model: SteppingLanguageModel,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {
    this.tools = declaredTools(config);
  }

  /** `turn.received`: stores the turn and takes its first step, or queues it behind the running one. */
  async startTurn(event: EnvelopeOf<typeof TurnReceived>): Promise<void> {
    const data = event.data;
    await this.turns.inTransaction(async () => {
      await this.turns.lockConversation(data.conversationId);
      // Checked under the lock: a deletion that committed while we waited for it is seen.
      if (await this.turns.isConversationDeleted(data.conversationId)) {
        this.logger.debug(`turn ${data.turnId} of deleted conversation ${data.conversationId} dropped`);
        return;
      }
      const queued =
        data.role === 'prospect' &&
        (await this.turns.hasActiveProspectTurn(data.conversationId, data.turnId));
      const inserted = await this.turns.insertTurn({
        turnId: data.turnId,
        conversationId: data.conversationId,
        tenantId: event.tenantid,
        sequence: data.sequence,
        role: data.role,
        status: queued ? 'queued' : 'running',
        context: { turn: data, receivedEventId: event.id },
        startedAt: new Date(),
      });
      if (!inserted) {
        this.logger.debug(`turn ${data.turnId} already stored`);
        return;
      }
      if (queued) {
        this.logger.log(`turn ${data.turnId} queued behind the conversation's running turn`);
        return;
      }
      const turn = await this.turns.lockTurn(data.turnId);
      if (turn) await this.takeStep(turn, 0, NO_PROGRESS, event);
    });
  }

  /** `tool.completed` / `tool.failed`: records the outcome once; the round's last outcome takes the next step. */
  async recordToolOutcome(
    event: EnvelopeOf<typeof ToolCompleted> | EnvelopeOf<typeof ToolFailed>,
  ): Promise<void> {
    const data = event.data;
    await this.turns.inTransaction(async () => {
      await this.turns.lockConversation(data.conversationId);
      const turn = await this.turns.lockTurn(data.turnId);
      if (!turn) {
        this.logger.warn(`tool result for unknown turn ${data.turnId} ignored`);
        return;
      }
      if (turn.tenantId !== event.tenantid || turn.conversationId !== data.conversationId) {
        this.logger.warn(`tool result for turn ${data.turnId} from another tenant or conversation ignored`);
        return;
      }
      if (turn.status !== 'pending_tools') return;
      const now = new Date();
      const recorded = await this.turns.recordToolOutcome(
        data.toolCallId,
        data.turnId,
        'error' in data
          ? { status: 'failed', error: data.error }
          : { status: 'completed', result: data.result },
        now,
      );
      if (!recorded) return;
      const calls = await this.turns.toolCalls(turn.turnId);
      if (calls.some((c) => c.step === turn.step && c.status === 'requested')) return;
      await this.takeStep(turn, turn.step + 1, this.withRoundTime(turn, now), event);
    });
  }

  /**
   * Goes on with the turns whose current round did not get every result within the tool timeout (a missing
   * result counts as failed with code `timeout`). Safe to run from several instances: each turn is locked.
   */
  async expireOverdueTurns(now: Date = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.toolTimeoutMs);
    const overdue = await this.turns.overdueTurns(cutoff, 50);
    let expired = 0;
    for (const { turnId, conversationId } of overdue) {
      await this.turns.inTransaction(async () => {
        await this.turns.lockConversation(conversationId);
        const turn = await this.turns.lockTurn(turnId);
        if (
          !turn ||
          turn.status !== 'pending_tools' ||
          !turn.roundStartedAt ||
          turn.roundStartedAt >= cutoff
        ) {
          return;
        }
        const missing = await this.turns.failPendingToolCalls(
          turnId,
          { code: 'timeout', message: `no result within ${this.config.toolTimeoutMs} ms`, retryable: false },
          now,
        );
        this.logger.warn(
          `turn ${turnId}: ${missing} tool call(s) timed out, going on with what is available`,
        );
        await this.takeStep(turn, turn.step + 1, this.withRoundTime(turn, now), undefined);
        expired += 1;
      });
    }
    return expired;
  }

  private withRoundTime(turn: TurnRecord, now: Date): TurnProgress {
    const roundMs = turn.roundStartedAt ? Math.max(0, now.getTime() - turn.roundStartedAt.getTime()) : 0;
    return { ...turn.progress, toolsMs: turn.progress.toolsMs + roundMs };
  }

  /**
   * Takes model steps from `step` on until the turn waits for tools, completes or fails. Runs inside the
   * caller's unit of work with the turn locked. Only the model's failures end the turn with `turn.failed`;
   * database or publishing errors propagate, so the transport retries the whole unit of work.
   */
  private async takeStep(
    turn: TurnRecord,
    firstStep: number,
    startProgress: TurnProgress,
    causation: EventEnvelope<unknown> | undefined,
  ): Promise<void> {
    const data = turn.context.turn;
    let step = firstStep;
    let progress = startProgress;
    for (;;) {
      const rounds = await this.turns.rounds(turn.turnId);
      const context = await this.turnContext(turn, roundOutcomes(rounds));
      const finalOnly = step >= this.config.maxSteps - 1;
      const deltas = new ReplyDeltaStream(
        this.publisher,
        {
          tenantId: turn.tenantId,
          conversationId: data.conversationId,
          turnId: data.turnId,
          replyId: TurnIds.reply(data.turnId),
          causation,
        },
        progress.deltaCount,
      );
      const started = performance.now();
      let result: ModelStep;
      try {
        result = await this.withModelTimeout((signal) =>
          this.model.step({
            context,
            rounds: rounds.map(modelRound),
            tools: this.tools,
            finalOnly,
            onReplyDelta: deltas.push,
            signal,
          }),
        );
      } catch (error) {
        await deltas.flushed();
        await this.fail(turn, error, progress, causation);
        return;
      }
      await deltas.flushed();
      const elapsedMs = performance.now() - started;
      progress = addUsage(progress, result.usage, elapsedMs, deltas.count);
      recordModelCall({
        ...this.modelLabels(),
        provider: this.model.info.provider,
        usage: result.usage,
        durationMs: elapsedMs,
      });
      if (result.kind === 'final') {
        await this.complete(turn, result.outcome, rounds, progress, causation);
        return;
      }
      if (finalOnly || result.calls.length === 0) {
        const why = finalOnly
          ? `the model asked for tools at its last step (${this.config.maxSteps} steps at most)`
          : 'the model asked for no tool and gave no final answer';
        await this.fail(turn, new ModelError('invalid_model_output', why), progress, causation);
        return;
      }
      const now = new Date();
      const requested = await this.requestTools(turn, step, result, now, causation);
      if (requested > 0) {
        await this.turns.updateTurn(turn.turnId, {
          status: 'pending_tools',
          step,
          progress,
          roundStartedAt: now,
        });
        return;
      }
      step += 1; // every call of the round failed locally: nothing to wait for
    }
  }

  /** Stores the round and publishes its requests (all at once: parallel calls run in parallel). */
  private async requestTools(
    turn: TurnRecord,
    step: number,
    result: Extract<ModelStep, { kind: 'tool_calls' }>,
    now: Date,
    causation: EventEnvelope<unknown> | undefined,
  ): Promise<number> {
    const data = turn.context.turn;
    // A tool the registry does not know is still requested when its name is valid: the tool-runner owns the
    // registry and answers `unknown_tool`. Only names no event can carry fail here.
    const calls: NewToolCall[] = result.calls.map((call, index) => ({
      id: TurnIds.toolCall(turn.turnId, step, index),
      callIndex: index,
      providerCallId: call.providerCallId,
      tool: call.name.length > 0 ? call.name : '(none)',
      arguments: call.input,
      failed: REQUESTABLE_TOOL_NAME.test(call.name)
        ? undefined
        : {
            code: 'unknown_tool',
            message: `no tool can be named "${call.name.slice(0, 80)}"`,
            retryable: false,
          },
    }));
    await this.turns.insertRound(turn.turnId, step, result.assistantContent, calls, now);
    const requested = calls.filter((c) => !c.failed);
    for (const call of requested) {
      await this.publisher.publish(
        ToolRequested,
        {
          conversationId: data.conversationId,
          turnId: data.turnId,
          toolCallId: call.id,
          tool: call.tool,
          arguments: call.arguments,
          requestedAt: now.toISOString(),
        },
        this.publishOptions(turn.tenantId, data.turnId, TurnIds.toolRequestedEvent(call.id), causation),
      );
    }
    return requested.length;
  }

  private async turnContext(turn: TurnRecord, outcomes: readonly ToolOutcome[]): Promise<TurnContext> {
    const data = turn.context.turn;
    const stored = await this.turns.summary(data.conversationId);
    const history = await this.turns.history(
      data.conversationId,
      stored?.coversUpToSequence ?? 0,
      data.sequence,
    );
    const assembled = assembleContext({
      budgetTokens: this.config.contextTokenBudget,
      maxHistoryTurns: this.config.historyTurns,
      message: data.text,
      history,
      summary: stored,
      crm: crmProfile(outcomes),
      knowledge: uniquePassages(outcomes),
    });
    if (assembled.summaryChanged && assembled.summary) {
      await this.turns.saveSummary(data.conversationId, turn.tenantId, assembled.summary, new Date());
    }
    return {
      conversationId: data.conversationId,
      turnId: data.turnId,
      mode: data.conversation.mode,
      prospect: data.conversation.prospect,
      role: data.role,
      message: data.text,
      history: assembled.history,
      summary: assembled.summary,
      tools: outcomes,
      knowledge: assembled.knowledge,
      crm: assembled.crm,
    };
  }

  /** The final step: validate, publish analysis then reply (same topic, in order), close the turn. */
  private async complete(
    turn: TurnRecord,
    raw: TurnOutcome,
    rounds: readonly RoundRecord[],
    progress: TurnProgress,
    causation: EventEnvelope<unknown> | undefined,
  ): Promise<void> {
    const data = turn.context.turn;
    const outcomes = roundOutcomes(rounds);
    const grounding = groundingSources(uniquePassages(outcomes), crmProfile(outcomes));
    const replyId = TurnIds.reply(data.turnId);
    const now = new Date().toISOString();
    let analysis: AnalysisCompletedData;
    let reply: ReplyGeneratedData | undefined;
    try {
      const { outcome, droppedCitations } = validateFinalOutcome(raw, {
        groundingIds: new Set(grounding.map((g) => g.sourceId)),
        replyRequired: data.role === 'prospect',
      });
      if (droppedCitations.length > 0) {
        this.logger.warn(
          `turn ${data.turnId}: dropped citations to unknown sources: ${droppedCitations.join(', ')}`,
        );
      }
      analysis = this.validated(AnalysisCompletedData, {
        conversationId: data.conversationId,
        turnId: data.turnId,
        analysis: outcome.analysis,
        nextBestActions: [...outcome.nextBestActions],
        proposedCrmUpdates: [...outcome.proposedCrmUpdates],
        model: this.model.info,
        completedAt: now,
      });
      reply = outcome.reply
        ? this.validated(ReplyGeneratedData, {
            conversationId: data.conversationId,
            turnId: data.turnId,
            replyId,
            kind: data.conversation.mode === 'autonomous' ? 'reply' : 'suggestion',
            text: outcome.reply.text,
            citations: [...outcome.reply.citations],
            grounding,
            toolCallIds: rounds.flatMap((r) => r.calls.map((c) => c.id)),
            model: this.model.info,
            usage: {
              inputTokens: progress.inputTokens,
              outputTokens: progress.outputTokens,
              cacheReadTokens: progress.cacheReadTokens,
              cacheWriteTokens: progress.cacheWriteTokens,
              costUsd: Math.round(progress.costUsd * 1e6) / 1e6,
              modelCalls: progress.modelCalls,
            },
            timing: {
              turnReceivedAt: data.receivedAt,
              orchestrationStartedAt: turn.startedAt.toISOString(),
              toolsMs: progress.toolsMs,
              generationMs: progress.generationMs,
              tools: toolTimings(rounds),
            },
            generatedAt: now,
          })
        : undefined;
    } catch (error) {
      await this.fail(turn, error, progress, causation);
      return;
    }
    await this.publisher.publish(
      AnalysisCompleted,
      analysis,
      this.publishOptions(turn.tenantId, data.turnId, TurnIds.analysisEvent(data.turnId), causation),
    );
    if (reply) {
      await this.publisher.publish(
        ReplyGenerated,
        reply,
        this.publishOptions(turn.tenantId, data.turnId, TurnIds.replyEvent(data.turnId), causation),
      );
    }
    await this.turns.finishTurn(
      data.turnId,
      'completed',
      {
        replyId: reply ? replyId : undefined,
        toolsMs: progress.toolsMs,
        generationMs: progress.generationMs,
      },
      new Date(),
      { progress, replyText: reply?.text },
    );
    recordTurnCost(progress.costUsd, this.modelLabels());
    await this.startNextQueued(turn);
  }

  private async fail(
    turn: TurnRecord,
    error: unknown,
    progress: TurnProgress,
    causation: EventEnvelope<unknown> | undefined,
  ): Promise<void> {
    const data = turn.context.turn;
    const reason =
      error instanceof ModelError
        ? { code: error.code, message: error.message }
        : {
            code: 'model_failed',
            message: `the language model failed: ${error instanceof Error ? error.message : String(error)}`,
          };
    this.logger.error(`turn ${data.turnId} failed: ${reason.code}: ${reason.message}`);
    await this.publisher.publish(
      TurnFailed,
      {
        conversationId: data.conversationId,
        turnId: data.turnId,
        reason,
        failedAt: new Date().toISOString(),
      },
      this.publishOptions(turn.tenantId, data.turnId, TurnIds.failedEvent(data.turnId), causation),
    );
    await this.turns.finishTurn(data.turnId, 'failed', { failure: reason }, new Date(), { progress });
    recordTurnFailure(reason.code);
    await this.startNextQueued(turn);
  }

  private modelLabels(): { model: string; promptVersion: string } {
    return { model: this.model.info.name, promptVersion: this.model.info.promptVersion };
  }

  /** A prospect turn ended: the conversation's next queued turn starts, in the same unit of work. */
  private async startNextQueued(finished: TurnRecord): Promise<void> {
    if (finished.role !== 'prospect') return;
    const next = await this.turns.nextQueuedTurn(finished.conversationId);
    if (!next) return;
    this.logger.log(`turn ${next.turnId} leaves the queue`);
    const startedAt = new Date();
    await this.turns.markRunning(next.turnId, startedAt);
    await this.takeStep({ ...next, status: 'running', startedAt }, 0, NO_PROGRESS, undefined);
  }

  private publishOptions(
    tenantId: string,
    turnId: string,
    id: string,
    causation: EventEnvelope<unknown> | undefined,
  ): PublishOptions {
    return { tenantId, id, causation, correlationId: turnId };
  }

  /** The output must satisfy the event contract before anything is published. */
  private validated<T>(schema: z.ZodType<T>, value: unknown): T {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    throw new ModelError('invalid_model_output', `the model output does not match the contract: ${issues}`);
  }

  private async withModelTimeout<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new ModelError(
            'model_timeout',
            `the language model did not answer within ${this.config.modelTimeoutMs} ms`,
          ),
        );
      }, this.config.modelTimeoutMs);
    });
    try {
      return await Promise.race([call(controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
