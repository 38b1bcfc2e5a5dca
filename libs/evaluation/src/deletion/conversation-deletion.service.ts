import { Injectable, Logger } from '@nestjs/common';
import type { ConversationDeletedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { PermanentError } from '@lib/messaging';
import { deleteConversationFacts } from '../conversation/conversation-facts.repository';
import { lockAndCheckDeleted } from './deleted-conversations';

const S = '"evaluator"';

/**
 * `conversation.deleted` in the evaluator, one unit of work under the conversation's lock: the tombstone (a
 * late reply or turn is then not kept), the conversation's evaluations, its turns (raw text) and its events not
 * sent yet. Idempotent.
 */
@Injectable()
export class EvaluatorConversationDeletion {
  private readonly logger = new Logger(EvaluatorConversationDeletion.name);

  constructor(private readonly uow: UnitOfWork) {}

  async delete(tenantId: string, data: ConversationDeletedData): Promise<Record<string, number>> {
    const id = data.conversationId;
    return this.uow.run(async (manager) => {
      await lockAndCheckDeleted(manager, id);
      const owners: { tenant_id: string }[] = await manager.query(
        `SELECT "tenant_id" FROM ${S}."evaluations" WHERE "conversation_id" = $1
         UNION SELECT "tenant_id" FROM ${S}."turns" WHERE "conversation_id" = $1
         UNION SELECT "tenant_id" FROM ${S}."conversation_facts" WHERE "conversation_id" = $1
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
      const [, evaluations]: [unknown, number] = await manager.query(
        `DELETE FROM ${S}."evaluations" WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
        [id, tenantId],
      );
      if (evaluations > 0) removed.evaluations = evaluations;
      const [, turns]: [unknown, number] = await manager.query(
        `DELETE FROM ${S}."turns" WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
        [id, tenantId],
      );
      if (turns > 0) removed.turns = turns;
      const [, competitors]: [unknown, number] = await manager.query(
        `DELETE FROM ${S}."competitor_mentions" WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
        [id, tenantId],
      );
      if (competitors > 0) removed.competitor_mentions = competitors;
      // Conversation-level evaluation: its facts (turn roles and word counts, analyses) and evaluations.
      Object.assign(removed, await deleteConversationFacts(manager, id, tenantId));
      const [, unsent]: [unknown, number] = await manager.query(
        `DELETE FROM ${S}."outbox" WHERE "key" = $1 OR ("value"::jsonb ->> 'conversationId') = $1`,
        [id],
      );
      if (unsent > 0) removed.outbox = unsent;
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
