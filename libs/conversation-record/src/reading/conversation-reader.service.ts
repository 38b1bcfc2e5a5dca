import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import {
  AlertRepository,
  AnalysisRepository,
  ConversationFeedbackRepository,
  ConversationProgressRepository,
  ConversationRepository,
  EvaluationRepository,
  FeedbackRepository,
  ReplyRepository,
  ToolCallRepository,
  TurnFailureRepository,
  TurnRepository,
} from '../repositories';
import type { ConversationList, ConversationView } from './conversation-view.schema';
import { toConversationSummary, toConversationView } from './conversation-view.mapper';

@Injectable()
export class ConversationReader {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly conversations: ConversationRepository,
    private readonly turns: TurnRepository,
    private readonly analyses: AnalysisRepository,
    private readonly toolCalls: ToolCallRepository,
    private readonly replies: ReplyRepository,
    private readonly failures: TurnFailureRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly feedback: FeedbackRepository,
    private readonly alerts: AlertRepository,
    private readonly progress: ConversationProgressRepository,
    private readonly conversationFeedback: ConversationFeedbackRepository,
  ) {}

  /** The whole record of a conversation of the tenant, or undefined (also when another tenant owns it). */
  async getConversation(tenantId: string, conversationId: string): Promise<ConversationView | undefined> {
    const fresh = !this.uow.isActive;
    return this.uow.run(async () => {
      // One snapshot for all the tables, so a write committed halfway through the read is either all in
      // the view or not at all.
      if (fresh) await this.conversations.useReadOnlySnapshot();
      const conversation = await this.conversations.findForTenant(tenantId, conversationId);
      if (!conversation) return undefined;
      // Sequential on purpose: a transaction is one connection, parallel queries would only queue.
      const turns = await this.turns.listByConversation(tenantId, conversationId);
      const analyses = await this.analyses.listByConversation(tenantId, conversationId);
      const replies = await this.replies.listByConversation(tenantId, conversationId);
      const failures = await this.failures.listByConversation(tenantId, conversationId);
      const toolCalls = await this.toolCalls.listByConversation(tenantId, conversationId);
      const evaluations = await this.evaluations.listByConversation(tenantId, conversationId);
      const feedback = await this.feedback.listByConversation(tenantId, conversationId);
      const alerts = await this.alerts.listByConversation(tenantId, conversationId);
      const stageTransitions = await this.progress.listStageTransitions(tenantId, conversationId);
      const conversationFeedback = await this.conversationFeedback.listByConversation(
        tenantId,
        conversationId,
      );
      return toConversationView({
        conversation,
        turns,
        analyses,
        replies,
        failures,
        toolCalls,
        evaluations,
        feedback,
        alerts,
        stageTransitions,
        conversationFeedback,
      });
    });
  }

  async listConversations(tenantId: string, limit: number, cursor?: string): Promise<ConversationList> {
    const page = await this.conversations.listForTenant(tenantId, limit, cursor);
    const last = page.items.at(-1);
    return {
      items: page.items.map(toConversationSummary),
      nextCursor: page.hasMore && last ? last.id : null,
    };
  }
}
