import { Injectable } from '@nestjs/common';
import type { AnalysisCompletedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { AnalysisEntity } from '../entities';
import { inserted, json, table } from './sql';

@Injectable()
export class AnalysisRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** One analysis per turn: returns false when the turn already has one (the first stored wins). */
  async insert(tenantId: string, data: AnalysisCompletedData): Promise<boolean> {
    const a = data.analysis;
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('analyses')}
         ("turn_id", "conversation_id", "tenant_id", "intents", "sentiment_label", "sentiment_score",
          "entities", "objections", "buying_signals", "stage", "model", "completed_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT DO NOTHING RETURNING "turn_id"`,
      [
        data.turnId,
        data.conversationId,
        tenantId,
        json(a.intents),
        a.sentiment.label,
        a.sentiment.score,
        json(a.entities),
        json(a.objections),
        json(a.buyingSignals),
        a.stage,
        json(data.model),
        data.completedAt,
      ],
    );
    return inserted(rows);
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<AnalysisEntity[]> {
    return this.uow.manager.find(AnalysisEntity, { where: { tenantId, conversationId } });
  }
}
