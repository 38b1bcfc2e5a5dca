import { Injectable, Logger } from '@nestjs/common';
import type { ConversationDeletedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { PermanentError } from '@lib/messaging';
import { KnowledgeIngestion } from '../knowledge-base/knowledge-ingestion';
import { ToolRunnerDeletedConversations } from './deleted-conversations';

const S = '"tool_runner"';

/** What a decided proposal keeps of its evidence once the conversation is deleted. */
export const EVIDENCE_REMOVED = '[removed: the conversation was deleted]';

/**
 * `conversation.deleted` in the tool-runner, one unit of work under the conversation's lock:
 * - the tombstone (late tool requests, turns and analyses of the conversation are dropped from now on);
 * - its tool executions (arguments and results) and the turns kept to verify evidence;
 * - its pending CRM proposals (with their audit rows); decided ones (applied, rejected) stay as the audit of
 *   the CRM, unlinked from the conversation (`conversation_id` and `turn_id` null) and without the quoted
 *   evidence. The CRM records themselves (deals, tasks, activities) are the CRM's and stay;
 * - the knowledge documents shared in the conversation, through the document-deletion path (chunks and
 *   vectors in the configured store, FAQ pairs, catalog row);
 * - its events not sent yet.
 * Idempotent: a redelivery finds nothing left.
 */
@Injectable()
export class ToolRunnerConversationDeletion {
  private readonly logger = new Logger(ToolRunnerConversationDeletion.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly deleted: ToolRunnerDeletedConversations,
    private readonly ingestion: KnowledgeIngestion,
  ) {}

  async delete(tenantId: string, data: ConversationDeletedData): Promise<Record<string, number>> {
    const id = data.conversationId;
    return this.uow.run(async (manager) => {
      await this.deleted.lockAndCheck(id);
      const owners: { tenant_id: string }[] = await manager.query(
        `SELECT "tenant_id" FROM ${S}."tool_executions" WHERE "conversation_id" = $1
         UNION SELECT "tenant_id" FROM ${S}."crm_conversation_turns" WHERE "conversation_id" = $1
         UNION SELECT "tenant_id" FROM ${S}."crm_change_proposals" WHERE "conversation_id" = $1
         UNION SELECT "tenant_id" FROM ${S}."knowledge_documents" WHERE "conversation_id" = $1
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
        if (count > 0) removed[name] = (removed[name] ?? 0) + count;
      };
      const scoped = [id, tenantId];
      await run(
        'tool_executions',
        `DELETE FROM ${S}."tool_executions" WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
        scoped,
      );
      await run(
        'crm_conversation_turns',
        `DELETE FROM ${S}."crm_conversation_turns" WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
        scoped,
      );
      // Pending proposals go (their audit rows cascade); decided ones stay, unlinked and without evidence.
      await run(
        'crm_change_proposals',
        `DELETE FROM ${S}."crm_change_proposals"
         WHERE "conversation_id" = $1 AND "tenant_id" = $2 AND "status" = 'proposed'`,
        scoped,
      );
      await run(
        'crm_change_proposals (kept, unlinked)',
        `UPDATE ${S}."crm_change_proposals" SET "conversation_id" = NULL, "turn_id" = NULL, "evidence" = $3
         WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
        [...scoped, EVIDENCE_REMOVED],
      );
      const documents: { document_id: string }[] = await manager.query(
        `SELECT "document_id" FROM ${S}."knowledge_documents" WHERE "tenant_id" = $2 AND "conversation_id" = $1`,
        scoped,
      );
      for (const { document_id } of documents) {
        if (await this.ingestion.remove(tenantId, document_id)) {
          removed.knowledge_documents = (removed.knowledge_documents ?? 0) + 1;
        }
      }
      // Its events not sent yet (tool results are keyed by tool call: matched on the data).
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
