import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import { ToolCallEntity } from '../entities';
import type { ToolCallState } from '../model/tool-call-state';
import { json, table } from './sql';

export interface ToolCallIdentity {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly turnId: string;
  readonly toolCallId: string;
}

@Injectable()
export class ToolCallRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Called under the conversation's lock (see ConversationRepository.lockOrCreate). */
  async find(tenantId: string, toolCallId: string): Promise<ToolCallEntity | null> {
    return this.uow.manager.findOne(ToolCallEntity, { where: { id: toolCallId, tenantId } });
  }

  /** Writes the merged state; the identity columns are set once, by whichever event came first. */
  async save(id: ToolCallIdentity, state: ToolCallState): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO ${table('tool_calls')}
         ("id", "conversation_id", "turn_id", "tenant_id", "tool", "arguments", "status", "result", "error",
          "duration_ms", "requested_at", "finished_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT ("id") DO UPDATE SET
         "tool" = EXCLUDED."tool", "arguments" = EXCLUDED."arguments", "status" = EXCLUDED."status",
         "result" = EXCLUDED."result", "error" = EXCLUDED."error", "duration_ms" = EXCLUDED."duration_ms",
         "requested_at" = EXCLUDED."requested_at", "finished_at" = EXCLUDED."finished_at"
       WHERE ${table('tool_calls')}."tenant_id" = EXCLUDED."tenant_id"`,
      [
        id.toolCallId,
        id.conversationId,
        id.turnId,
        id.tenantId,
        state.tool,
        state.arguments === null ? null : json(state.arguments),
        state.status,
        state.result === null || state.result === undefined ? null : json(state.result),
        state.error === null ? null : json(state.error),
        state.durationMs,
        state.requestedAt,
        state.finishedAt,
      ],
    );
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<ToolCallEntity[]> {
    return this.uow.manager.find(ToolCallEntity, { where: { tenantId, conversationId } });
  }
}
