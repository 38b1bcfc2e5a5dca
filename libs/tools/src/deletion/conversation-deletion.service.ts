import { Injectable, Logger } from '@nestjs/common';
import type { ConversationDeletedData } from '@lib/contracts';
import { ConversationErasure, UnitOfWork } from '@lib/database';
import { KnowledgeIngestion } from '../knowledge-base/knowledge-ingestion';
import { TOOL_RUNNER_SCHEMA } from '../tool-runner.database';
import { TOOL_RUNNER_CONVERSATION_LOCK } from './deleted-conversations';

const S = `"${TOOL_RUNNER_SCHEMA}"`;

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
    private readonly ingestion: KnowledgeIngestion,
  ) {}

  async delete(tenantId: string, data: ConversationDeletedData): Promise<Record<string, number>> {
    const id = data.conversationId;
    return this.uow.run(async (manager) => {
      const erasure = await ConversationErasure.begin(
        manager,
        TOOL_RUNNER_CONVERSATION_LOCK,
        tenantId,
        data,
        {
          ownedIn: [
            'tool_executions',
            'crm_conversation_turns',
            'crm_change_proposals',
            'knowledge_documents',
          ],
        },
      );
      await erasure.deleteRows('tool_executions');
      await erasure.deleteRows('crm_conversation_turns');
      const scoped = [id, tenantId];
      // Pending proposals go (their audit rows cascade); decided ones stay, unlinked and without evidence.
      await erasure.count(
        'crm_change_proposals',
        `DELETE FROM ${S}."crm_change_proposals"
         WHERE "conversation_id" = $1 AND "tenant_id" = $2 AND "status" = 'proposed'`,
        scoped,
      );
      await erasure.count(
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
        if (await this.ingestion.remove(tenantId, document_id)) erasure.add('knowledge_documents', 1);
      }
      await erasure.deleteUnsentEvents();
      this.logger.log(erasure.summary(data.reason));
      return erasure.removed;
    });
  }
}
