import { Injectable } from '@nestjs/common';
import type { ConversationFeedbackSubmittedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { ConversationFeedbackEntity } from '../entities';
import { inserted, table } from './sql';

/** Feedback on whole conversations: write-once by feedback id. */
@Injectable()
export class ConversationFeedbackRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(tenantId: string, data: ConversationFeedbackSubmittedData): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('conversation_feedback')}
         ("id", "conversation_id", "tenant_id", "thumbs", "rating", "comment", "submitted_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [
        data.feedbackId,
        data.conversationId,
        tenantId,
        data.thumbs ?? null,
        data.rating ?? null,
        data.comment ?? null,
        data.submittedAt,
      ],
    );
    return inserted(rows);
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<ConversationFeedbackEntity[]> {
    return this.uow.manager.find(ConversationFeedbackEntity, { where: { tenantId, conversationId } });
  }
}
