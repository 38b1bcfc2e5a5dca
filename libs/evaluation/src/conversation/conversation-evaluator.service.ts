import { Injectable, Logger } from '@nestjs/common';
import {
  ConversationEvaluated,
  deriveId,
  type AnalysisCompletedData,
  type ConversationEndedData,
  type ConversationEvaluatedData,
  type ConversationEvaluationTrigger,
  type ConversationStartedData,
  type EventEnvelope,
  type TurnReceivedData,
} from '@lib/contracts';
import { EventPublisher } from '@lib/messaging';
import { countWords, evaluateConversation } from './conversation-evaluation';
import { ConversationFactsRepository, type ConversationFactsState } from './conversation-facts.repository';

export const ConversationEvaluationIds = {
  evaluation: (conversationId: string, trigger: ConversationEvaluationTrigger, lastTurnId: string | null) =>
    deriveId(conversationId, 'conversation-evaluation', trigger, lastTurnId ?? 'none'),
  event: (evaluationId: string): string => deriveId(evaluationId, 'conversation.evaluated'),
} as const;

/**
 * Conversation-level evaluation. Keeps, per conversation, the facts it needs (no text) from the events the
 * evaluator consumes, and evaluates the conversation when it ends (`conversation.ended`) or goes idle (the
 * sweeper). Each method is one unit of work under the conversation's lock; a deleted conversation's events
 * are ignored. An evaluation is stored under its deterministic id: the same one again publishes nothing.
 */
@Injectable()
export class ConversationEvaluator {
  private readonly logger = new Logger(ConversationEvaluator.name);

  constructor(
    private readonly facts: ConversationFactsRepository,
    private readonly publisher: EventPublisher,
  ) {}

  async conversationStarted(tenantId: string, data: ConversationStartedData): Promise<void> {
    await this.underLock(data.conversationId, () =>
      this.facts.upsertConversation(tenantId, data.conversationId, data.mode),
    );
  }

  async turnReceived(tenantId: string, data: TurnReceivedData): Promise<void> {
    await this.underLock(data.conversationId, async () => {
      await this.facts.upsertConversation(tenantId, data.conversationId, data.conversation.mode);
      await this.facts.insertTurn(tenantId, {
        conversationId: data.conversationId,
        turnId: data.turnId,
        sequence: data.sequence,
        role: data.role,
        wordCount: countWords(data.text),
        receivedAt: new Date(data.receivedAt),
      });
    });
  }

  async analysisCompleted(tenantId: string, data: AnalysisCompletedData): Promise<void> {
    await this.underLock(data.conversationId, async () => {
      await this.facts.upsertConversation(tenantId, data.conversationId, null);
      await this.facts.insertAnalysis(tenantId, {
        conversationId: data.conversationId,
        turnId: data.turnId,
        stage: data.analysis.stage,
        sentiment: data.analysis.sentiment.label,
        objectionTypes: data.analysis.objections.map((o) => o.type),
        completedAt: new Date(data.completedAt),
      });
    });
  }

  /** `conversation.ended`: marks it ended and evaluates it (trigger `ended`). */
  async conversationEnded(
    tenantId: string,
    data: ConversationEndedData,
    causation?: EventEnvelope<unknown>,
  ): Promise<ConversationEvaluatedData | undefined> {
    return this.underLock(data.conversationId, async () => {
      await this.facts.upsertConversation(tenantId, data.conversationId, null);
      await this.facts.markEnded(data.conversationId, new Date(data.endedAt));
      const state = await this.facts.state(data.conversationId);
      if (!state) return undefined;
      return this.evaluate(state, 'ended', causation);
    });
  }

  /**
   * Evaluates an idle conversation (trigger `idle`) if it still is one: no turn since `cutoff`, and not
   * evaluated since its last turn (re-checked under the lock).
   */
  async evaluateIdle(conversationId: string, cutoff: Date): Promise<ConversationEvaluatedData | undefined> {
    return this.underLock(conversationId, async () => {
      const state = await this.facts.state(conversationId);
      if (!state || state.lastTurnAt === null || state.lastTurnAt >= cutoff) return undefined;
      if (state.lastTurnId === state.evaluatedTurnId) return undefined;
      return this.evaluate(state, 'idle');
    });
  }

  private async evaluate(
    state: ConversationFactsState,
    trigger: ConversationEvaluationTrigger,
    causation?: EventEnvelope<unknown>,
  ): Promise<ConversationEvaluatedData | undefined> {
    const scores = evaluateConversation(await this.facts.facts(state));
    const evaluationId = ConversationEvaluationIds.evaluation(
      state.conversationId,
      trigger,
      state.lastTurnId,
    );
    const evaluation: ConversationEvaluatedData = {
      conversationId: state.conversationId,
      evaluationId,
      trigger,
      lastTurnId: state.lastTurnId,
      ...scores,
      evaluatedAt: new Date().toISOString(),
    };
    if (!(await this.facts.insertEvaluation(state.tenantId, trigger, evaluation))) {
      this.logger.debug(`conversation ${state.conversationId} already evaluated (${evaluationId})`);
      return undefined;
    }
    await this.publisher.publish(ConversationEvaluated, evaluation, {
      tenantId: state.tenantId,
      id: ConversationEvaluationIds.event(evaluationId),
      ...(causation ? { causation } : { correlationId: state.conversationId }),
    });
    this.logger.log(
      `conversation ${state.conversationId} evaluated (${trigger}): ${scores.turns.prospect + scores.turns.rep} ` +
        `turns, stage ${scores.stage.first ?? '-'} → ${scores.stage.last ?? '-'}, objections ` +
        `${scores.objections.handled}/${scores.objections.raised} handled`,
    );
    return evaluation;
  }

  /** One unit of work under the conversation's lock; nothing when the conversation was deleted. */
  private underLock<T>(conversationId: string, work: () => Promise<T>): Promise<T | undefined> {
    return this.facts.inTransaction(async () => {
      if (await this.facts.lockConversation(conversationId)) {
        this.logger.debug(`event of deleted conversation ${conversationId} ignored`);
        return undefined;
      }
      return work();
    });
  }
}
