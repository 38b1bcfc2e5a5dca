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
  type TurnReceivedData,
} from '@lib/contracts';
import { EventPublisher, type PublishOptions } from '@lib/messaging';
import { LanguageModel, type HistoryTurn, type TurnContext } from '../model/language-model';
import {
  CRM_LOOKUP_PROSPECT,
  crmProfile,
  groundingSources,
  KNOWLEDGE_SEARCH,
  knowledgePassages,
  type ToolOutcome,
} from '../model/tool-outcomes';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config';
import { toolOutcomeOf, TurnRepository, type ToolCallRecord, type TurnRecord } from './turn.repository';

/** The knowledge_search tool accepts queries up to this length. */
const KNOWLEDGE_QUERY_MAX = 500;

/** A failure that ends a turn with a `turn.failed` event (rather than a retry). */
class TurnFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Deterministic ids: redoing the work after a crash produces the same ids, which consumers deduplicate. */
export const TurnIds = {
  toolCall: (turnId: string, tool: string): string => deriveId(turnId, tool, '0'),
  toolRequestedEvent: (toolCallId: string): string => deriveId(toolCallId, 'tool.requested'),
  reply: (turnId: string): string => deriveId(turnId, 'reply'),
  analysisEvent: (turnId: string): string => deriveId(turnId, 'analysis.completed'),
  replyEvent: (turnId: string): string => deriveId(turnId, 'reply.generated'),
  failedEvent: (turnId: string): string => deriveId(turnId, 'turn.failed'),
} as const;

/**
 * The durable workflow of a turn. A prospect's turn is stored, its tool calls are requested through events,
 * each result is recorded as it arrives, and the last one triggers the model: analysis then reply. Every
 * step runs in the unit of work of the event being handled (state and emitted events commit together), so
 * a crash at any step resumes from the stored state when the event is redelivered.
 */
@Injectable()
export class TurnWorkflow {
  private readonly logger = new Logger(TurnWorkflow.name);

  constructor(
    private readonly turns: TurnRepository,
    private readonly publisher: EventPublisher,
    private readonly model: LanguageModel,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  /** `turn.received`: a prospect's turn asks for its tools; a rep's turn is only analysed. */
  async startTurn(event: EnvelopeOf<typeof TurnReceived>): Promise<void> {
    const turn = event.data;
    await this.turns.inTransaction(async () => {
      const startedAt = new Date();
      const record = {
        turnId: turn.turnId,
        conversationId: turn.conversationId,
        tenantId: event.tenantid,
        sequence: turn.sequence,
        role: turn.role,
        context: { turn, receivedEventId: event.id },
        startedAt,
      };
      if (turn.role === 'rep') {
        if (!(await this.turns.insertTurn({ ...record, status: 'completed', finishedAt: startedAt }))) return;
        await this.analyseRepTurn(record, event);
        return;
      }
      if (!(await this.turns.insertTurn({ ...record, status: 'pending_tools' }))) {
        this.logger.debug(`turn ${turn.turnId} already started`);
        return;
      }
      const calls = this.config.tools.flatMap((tool) => {
        const args = this.toolArguments(tool, turn);
        return args
          ? [
              {
                id: TurnIds.toolCall(turn.turnId, tool),
                turnId: turn.turnId,
                tool,
                arguments: args,
                requestedAt: startedAt,
              },
            ]
          : [];
      });
      await this.turns.insertToolCalls(calls);
      for (const call of calls) {
        await this.publisher.publish(
          ToolRequested,
          {
            conversationId: turn.conversationId,
            turnId: turn.turnId,
            toolCallId: call.id,
            tool: call.tool,
            arguments: call.arguments,
            requestedAt: startedAt.toISOString(),
          },
          {
            tenantId: event.tenantid,
            id: TurnIds.toolRequestedEvent(call.id),
            causation: event,
            correlationId: turn.turnId,
          },
        );
      }
      if (calls.length === 0) {
        const stored = await this.turns.lockTurn(turn.turnId);
        if (stored) await this.complete(stored, [], event);
      }
    });
  }

  /** `tool.completed` / `tool.failed`: records the outcome; the last outcome of a turn generates the reply. */
  async recordToolOutcome(
    event: EnvelopeOf<typeof ToolCompleted> | EnvelopeOf<typeof ToolFailed>,
  ): Promise<void> {
    const data = event.data;
    await this.turns.inTransaction(async () => {
      const turn = await this.turns.lockTurn(data.turnId);
      if (!turn) {
        this.logger.warn(`tool result for unknown turn ${data.turnId} ignored`);
        return;
      }
      if (turn.tenantId !== event.tenantid) {
        this.logger.warn(`tool result for turn ${data.turnId} from another tenant ignored`);
        return;
      }
      if (turn.status !== 'pending_tools') return;
      const finishedAt = new Date();
      const recorded = await this.turns.recordToolOutcome(
        data.toolCallId,
        data.turnId,
        'error' in data
          ? { status: 'failed', error: data.error }
          : { status: 'completed', result: data.result },
        finishedAt,
      );
      if (!recorded) return;
      const calls = await this.turns.toolCalls(turn.turnId);
      if (calls.some((c) => c.status === 'requested')) return;
      await this.complete(turn, calls, event);
    });
  }

  /**
   * Answers the turns whose tools did not all answer within the tool timeout, with what they have (a missing
   * tool counts as failed with code `timeout`). Safe to run from several instances: each turn is row-locked.
   */
  async expireOverdueTurns(now: Date = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.toolTimeoutMs);
    const ids = await this.turns.overdueTurnIds(cutoff, 50);
    let expired = 0;
    for (const turnId of ids) {
      await this.turns.inTransaction(async () => {
        const turn = await this.turns.lockTurn(turnId);
        if (!turn || turn.status !== 'pending_tools') return;
        const missing = await this.turns.failPendingToolCalls(
          turnId,
          { code: 'timeout', message: `no result within ${this.config.toolTimeoutMs} ms`, retryable: false },
          now,
        );
        this.logger.warn(
          `turn ${turnId}: ${missing} tool call(s) timed out, answering with what is available`,
        );
        await this.complete(turn, await this.turns.toolCalls(turnId), undefined);
        expired += 1;
      });
    }
    return expired;
  }

  /** The arguments of a tool call, or undefined when the turn gives nothing to call it with. */
  private toolArguments(
    tool: OrchestratorConfig['tools'][number],
    turn: TurnReceivedData,
  ): Record<string, unknown> | undefined {
    switch (tool) {
      case CRM_LOOKUP_PROSPECT: {
        // The CRM tool looks prospects up by email, name or company; a bare CRM id is not a lookup key.
        const { email, name, company } = turn.conversation.prospect;
        const args = Object.fromEntries(
          Object.entries({ email, name, company }).filter(([, value]) => value !== undefined),
        );
        return Object.keys(args).length > 0 ? args : undefined;
      }
      case KNOWLEDGE_SEARCH:
        return { query: turn.text.slice(0, KNOWLEDGE_QUERY_MAX), limit: this.config.knowledgeLimit };
    }
  }

  private async turnContext(
    turn: Pick<TurnRecord, 'context' | 'tenantId'>,
    outcomes: readonly ToolOutcome[],
  ): Promise<TurnContext> {
    const data = turn.context.turn;
    const history: HistoryTurn[] = await this.turns.history(
      data.conversationId,
      data.sequence,
      this.config.historyTurns,
    );
    return {
      conversationId: data.conversationId,
      turnId: data.turnId,
      mode: data.conversation.mode,
      prospect: data.conversation.prospect,
      role: data.role,
      message: data.text,
      history,
      tools: outcomes,
      knowledge: knowledgePassages(outcomes),
      crm: crmProfile(outcomes),
    };
  }

  private async analyseRepTurn(
    turn: Pick<TurnRecord, 'context' | 'tenantId'>,
    event: EventEnvelope<unknown>,
  ): Promise<void> {
    const data = turn.context.turn;
    const context = await this.turnContext(turn, []);
    let analysis: AnalysisCompletedData;
    try {
      const output = await this.withModelTimeout((signal) => this.model.analyse(context, { signal }));
      analysis = this.validated(AnalysisCompletedData, {
        conversationId: data.conversationId,
        turnId: data.turnId,
        analysis: output.analysis,
        model: this.model.info,
        completedAt: new Date().toISOString(),
      });
    } catch (error) {
      await this.fail(turn, error, event);
      return;
    }
    await this.publisher.publish(
      AnalysisCompleted,
      analysis,
      this.publishOptions(turn.tenantId, data.turnId, TurnIds.analysisEvent(data.turnId), event),
    );
  }

  /**
   * Every tool call has an outcome: run the model, publish analysis then reply, close the turn. Only the
   * model's own failures end the turn with `turn.failed`; database or publishing errors propagate, so the
   * transport retries the whole unit of work.
   */
  private async complete(
    turn: TurnRecord,
    calls: readonly ToolCallRecord[],
    causation: EventEnvelope<unknown> | undefined,
  ): Promise<void> {
    const data = turn.context.turn;
    const toolsMs = Math.max(0, Date.now() - turn.startedAt.getTime());
    const outcomes = calls.map(toolOutcomeOf).filter((o): o is ToolOutcome => o !== undefined);
    const context = await this.turnContext(turn, outcomes);
    const replyId = TurnIds.reply(data.turnId);
    let analysis: AnalysisCompletedData;
    let reply: ReplyGeneratedData;
    let generationMs: number;
    try {
      const generationStart = performance.now();
      const output = await this.withModelTimeout((signal) => this.model.respond(context, { signal }));
      generationMs = Math.round((performance.now() - generationStart) * 1000) / 1000;
      const now = new Date().toISOString();
      analysis = this.validated(AnalysisCompletedData, {
        conversationId: data.conversationId,
        turnId: data.turnId,
        analysis: output.analysis,
        model: this.model.info,
        completedAt: now,
      });
      reply = this.validated(ReplyGeneratedData, {
        conversationId: data.conversationId,
        turnId: data.turnId,
        replyId,
        kind: data.conversation.mode === 'autonomous' ? 'reply' : 'suggestion',
        text: output.reply.text,
        citations: [...output.reply.citations],
        grounding: groundingSources(context.knowledge, context.crm),
        toolCallIds: calls.map((c) => c.id),
        model: this.model.info,
        usage: {
          inputTokens: Math.round(output.usage.inputTokens),
          outputTokens: Math.round(output.usage.outputTokens),
        },
        timing: {
          turnReceivedAt: data.receivedAt,
          orchestrationStartedAt: turn.startedAt.toISOString(),
          toolsMs,
          generationMs,
        },
        generatedAt: now,
      });
    } catch (error) {
      await this.fail(turn, error, causation);
      return;
    }
    // Same topic, published in this order: subscribers always see the analysis before the reply.
    await this.publisher.publish(
      AnalysisCompleted,
      analysis,
      this.publishOptions(turn.tenantId, data.turnId, TurnIds.analysisEvent(data.turnId), causation),
    );
    await this.publisher.publish(
      ReplyGenerated,
      reply,
      this.publishOptions(turn.tenantId, data.turnId, TurnIds.replyEvent(data.turnId), causation),
    );
    await this.turns.finishTurn(data.turnId, 'completed', { replyId, toolsMs, generationMs }, new Date());
  }

  private async fail(
    turn: Pick<TurnRecord, 'context' | 'tenantId'>,
    error: unknown,
    causation: EventEnvelope<unknown> | undefined,
  ): Promise<void> {
    const data = turn.context.turn;
    const reason =
      error instanceof TurnFailure
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
    await this.turns.finishTurn(data.turnId, 'failed', { failure: reason }, new Date());
  }

  private publishOptions(
    tenantId: string,
    turnId: string,
    id: string,
    causation: EventEnvelope<unknown> | undefined,
  ): PublishOptions {
    return { tenantId, id, causation, correlationId: turnId };
  }

  /** The model's output must satisfy the event contract before anything is published. */
  private validated<T>(schema: z.ZodType<T>, value: unknown): T {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    throw new TurnFailure('invalid_model_output', `the model output does not match the contract: ${issues}`);
  }

  private async withModelTimeout<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new TurnFailure(
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
