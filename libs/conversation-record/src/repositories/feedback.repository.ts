import { Injectable } from '@nestjs/common';
import type { FeedbackSubmittedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { FeedbackEntity } from '../entities';
import { inserted, table } from './sql';

@Injectable()
export class FeedbackRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(tenantId: string, data: FeedbackSubmittedData): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('feedback')}
         ("id", "turn_id", "conversation_id", "tenant_id", "thumbs", "rating", "comment", "submitted_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [
        data.feedbackId,
        data.turnId,
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

  async listByConversation(tenantId: string, conversationId: string): Promise<FeedbackEntity[]> {
    return this.uow.manager.find(FeedbackEntity, { where: { tenantId, conversationId } });
  }
}
