import { Injectable, Logger } from '@nestjs/common';
import type { ConversationDeletedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { PermanentError } from '@lib/messaging';
import { TurnRepository } from '../workflow/turn.repository';

const S = '"orchestrator"';

/**
 * `conversation.deleted` in the orchestrator, one unit of work under the conversation's lock (so a turn in
 * progress finishes first): the tombstone (a late turn is then not processed), the conversation's turns with
 * their tool calls and rounds (foreign keys cascade), its summary, and its events not sent yet. Idempotent.
 */
@Injectable()
export class OrchestratorConversationDeletion {
  private readonly logger = new Logger(OrchestratorConversationDeletion.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly turns: TurnRepository,
  ) {}

  async delete(tenantId: string, data: ConversationDeletedData): Promise<Record<string, number>> {
    const id = data.conversationId;
    return this.uow.run(async (manager) => {
      await this.turns.lockConversation(id);
      const owners: { tenant_id: string }[] = await manager.query(
        `SELECT "tenant_id" FROM ${S}."turns" WHERE "conversation_id" = $1
         UNION SELECT "tenant_id" FROM ${S}."conversation_summaries" WHERE "conversation_id" = $1
         UNION SELECT "tenant_id" FROM ${S}."deleted_conversations" WHERE "conversation_id" = $1`,
        [id],
      );
      if (owners.some((o) => o.tenant_id !== tenantId)) {
        throw new PermanentError(`conversation ${id} does not belong to tenant ${tenantId}: not deleted`);
      }
      await manager.query(
        `INSERT INTO ${S}."deleted_conversations" ("conversation_id", "tenant_id", "reason", "deleted_at")
         VALUES ($1, $2, $3, $4) ON CONFLICT ("conversation_id") DO NOTHING`,
        [id, tenantId, data.reason, data.deletedAt],
      );
      const removed: Record<string, number> = {};
      const run = async (name: string, sql: string, params: unknown[]): Promise<void> => {
        const [, count]: [unknown, number] = await manager.query(sql, params);
        if (count > 0) removed[name] = count;
      };
      // tool_calls and turn_rounds reference turns ON DELETE CASCADE.
      await run('turns', `DELETE FROM ${S}."turns" WHERE "conversation_id" = $1 AND "tenant_id" = $2`, [
        id,
        tenantId,
      ]);
      await run(
        'conversation_summaries',
        `DELETE FROM ${S}."conversation_summaries" WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
        [id, tenantId],
      );
      // Its events not sent yet (tool requests are keyed by tool call: matched on the data).
      await run(
        'outbox',
        `DELETE FROM ${S}."outbox" WHERE "key" = $1 OR ("value"::jsonb ->> 'conversationId') = $1`,
        [id],
      );
      this.logger.log(
        `conversation ${id} deleted (${data.reason}): ` +
          (Object.entries(removed)
            .map(([table, n]) => `${table} ${n}`)
            .join(', ') || 'nothing stored'),
      );
      return removed;
    });
  }
}
