import { Injectable, Logger } from '@nestjs/common';
import type { ConversationDeletedData } from '@lib/contracts';
import { ConversationErasure, UnitOfWork } from '@lib/database';
import { deleteConversationFacts } from '../conversation/conversation-facts.repository';
import { EVALUATOR_CONVERSATION_LOCK } from './deleted-conversations';

/**
 * `conversation.deleted` in the evaluator, one unit of work under the conversation's lock: the tombstone (a
 * late reply or turn is then not kept), the conversation's evaluations, its turns (raw text), its competitor
 * mentions, its conversation-level facts and evaluations, and its events not sent yet. Idempotent.
 */
@Injectable()
export class EvaluatorConversationDeletion {
  private readonly logger = new Logger(EvaluatorConversationDeletion.name);

  constructor(private readonly uow: UnitOfWork) {}

  async delete(tenantId: string, data: ConversationDeletedData): Promise<Record<string, number>> {
    return this.uow.run(async (manager) => {
      const erasure = await ConversationErasure.begin(manager, EVALUATOR_CONVERSATION_LOCK, tenantId, data, {
        ownedIn: ['evaluations', 'turns', 'conversation_facts'],
      });
      await erasure.deleteRows('evaluations');
      await erasure.deleteRows('turns');
      await erasure.deleteRows('competitor_mentions');
      // Conversation-level evaluation: its facts (turn roles and word counts, analyses) and evaluations.
      const facts = await deleteConversationFacts(manager, data.conversationId, tenantId);
      for (const [table, n] of Object.entries(facts)) erasure.add(table, n);
      await erasure.deleteUnsentEvents();
      this.logger.log(erasure.summary(data.reason));
      return erasure.removed;
    });
  }
}
