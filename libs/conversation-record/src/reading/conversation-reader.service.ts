import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import {
  AlertRepository,
  AnalysisRepository,
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
  ) {}

  /** The whole record of a conversation of the tenant, or undefined (also when another tenant owns it). */
  async getConversation(tenantId: string, conversationId: string): Promise<ConversationView | undefined> {
    // One transaction: a consistent snapshot across the tables (REPEATABLE READ is not needed: every
    // write of a conversation happens under its row lock, and the read takes the tables one by one).
    return this.uow.run(async () => {
      const conversation = await this.conversations.findForTenant(tenantId, conversationId);
      if (!conversation) return undefined;
      const [turns, analyses, replies, failures, toolCalls, evaluations, feedback, alerts] = await Promise.all([
        this.turns.listByConversation(tenantId, conversationId),
        this.analyses.listByConversation(tenantId, conversationId),
        this.replies.listByConversation(tenantId, conversationId),
        this.failures.listByConversation(tenantId, conversationId),
        this.toolCalls.listByConversation(tenantId, conversationId),
        this.evaluations.listByConversation(tenantId, conversationId),
        this.feedback.listByConversation(tenantId, conversationId),
        this.alerts.listByConversation(tenantId, conversationId),
      ]);
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
