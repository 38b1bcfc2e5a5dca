import { Injectable } from '@nestjs/common';
import type { ReplyGeneratedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { ReplyEntity } from '../entities';
import { replyLatencyMs } from '../model/reply-latency';
import { inserted, json, table } from './sql';

@Injectable()
export class ReplyRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** One reply per turn: returns false when the reply id or the turn is already stored. */
  async insert(tenantId: string, data: ReplyGeneratedData): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('replies')}
         ("id", "turn_id", "conversation_id", "tenant_id", "kind", "text", "citations", "model",
          "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd", "model_calls",
          "latency_ms", "generated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [
        data.replyId,
        data.turnId,
        data.conversationId,
        tenantId,
        data.kind,
        data.text,
        json(data.citations),
        json(data.model),
        data.usage.inputTokens,
        data.usage.outputTokens,
        data.usage.cacheReadTokens ?? null,
        data.usage.cacheWriteTokens ?? null,
        data.usage.costUsd ?? null,
        data.usage.modelCalls ?? null,
        replyLatencyMs(data),
        data.generatedAt,
      ],
    );
    return inserted(rows);
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<ReplyEntity[]> {
    return this.uow.manager.find(ReplyEntity, { where: { tenantId, conversationId } });
  }
}
