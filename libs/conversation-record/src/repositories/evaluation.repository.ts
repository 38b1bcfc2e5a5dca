import { Injectable } from '@nestjs/common';
import type { EvaluationCompletedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { EvaluationEntity } from '../entities';
import { inserted, json, table } from './sql';

@Injectable()
export class EvaluationRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(tenantId: string, data: EvaluationCompletedData): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('evaluations')}
         ("id", "reply_id", "turn_id", "conversation_id", "tenant_id", "scores", "groundedness", "latency",
          "prompt_version", "evaluator", "evaluated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [
        data.evaluationId,
        data.replyId,
        data.turnId,
        data.conversationId,
        tenantId,
        json(data.scores),
        data.scores.groundedness,
        json(data.latency),
        data.promptVersion,
        json(data.evaluator),
        data.evaluatedAt,
      ],
    );
    return inserted(rows);
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<EvaluationEntity[]> {
    return this.uow.manager.find(EvaluationEntity, { where: { tenantId, conversationId } });
  }
}
