import { Injectable } from '@nestjs/common';
import type { ReplyGeneratedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { ReplyEntity } from '../entities';
import { replyLatencyMs } from '../model/reply-latency';
import { truncateChars } from '../model/turn-text';
import { inserted, json, table } from './sql';

/** `replies.prompt_version` is varchar(64); the contract does not bound it (the full value stays in `model`). */
const MAX_PROMPT_VERSION = 64;

@Injectable()
export class ReplyRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** One reply per turn: returns false when the reply id or the turn is already stored. */
  async insert(tenantId: string, data: ReplyGeneratedData): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('replies')}
         ("id", "turn_id", "conversation_id", "tenant_id", "kind", "text", "citations", "model",
          "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd", "model_calls",
          "latency_ms", "generated_at", "prompt_version")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
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
        truncateChars(data.model.promptVersion, MAX_PROMPT_VERSION),
      ],
    );
    return inserted(rows);
  }

  /** The text of a reply of the conversation (the suggestion a rep's turn sent), when it is stored. */
  async findText(tenantId: string, conversationId: string, replyId: string): Promise<string | undefined> {
    const rows: { text: string }[] = await this.uow.manager.query(
      `SELECT "text" FROM ${table('replies')} WHERE "id" = $1 AND "tenant_id" = $2 AND "conversation_id" = $3`,
      [replyId, tenantId, conversationId],
    );
    return rows[0]?.text;
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<ReplyEntity[]> {
    return this.uow.manager.find(ReplyEntity, { where: { tenantId, conversationId } });
  }
}
