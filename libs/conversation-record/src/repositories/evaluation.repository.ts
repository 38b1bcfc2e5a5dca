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
          "prompt_version", "evaluator", "evaluated_at", "relevance", "policy_flags", "judge", "model",
          "input_tokens", "output_tokens", "cost_usd")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
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
        data.scores.relevance ?? null,
        data.policy === undefined ? null : json(data.policy.flags),
        data.judge === undefined ? null : json(data.judge),
        data.model === undefined ? null : json(data.model),
        data.usage?.inputTokens ?? null,
        data.usage?.outputTokens ?? null,
        data.usage?.costUsd ?? null,
      ],
    );
    return inserted(rows);
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<EvaluationEntity[]> {
    return this.uow.manager.find(EvaluationEntity, { where: { tenantId, conversationId } });
  }
}
