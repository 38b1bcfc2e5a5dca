import { Injectable, Logger } from '@nestjs/common';
import type { ConversationDeletedData } from '@lib/contracts';
import { ConversationErasure, UnitOfWork } from '@lib/database';
import { ORCHESTRATOR_CONVERSATION_LOCK } from '../workflow/turn.repository';

/**
 * `conversation.deleted` in the orchestrator, one unit of work under the conversation's lock (so a turn in
 * progress finishes first): the tombstone (a late turn is then not processed), the conversation's turns with
 * their tool calls and rounds (foreign keys cascade), its summary, and its events not sent yet. Idempotent.
 */
@Injectable()
export class OrchestratorConversationDeletion {
  private readonly logger = new Logger(OrchestratorConversationDeletion.name);

  constructor(private readonly uow: UnitOfWork) {}

  async delete(tenantId: string, data: ConversationDeletedData): Promise<Record<string, number>> {
    return this.uow.run(async (manager) => {
      const erasure = await ConversationErasure.begin(
        manager,
        ORCHESTRATOR_CONVERSATION_LOCK,
        tenantId,
        data,
        {
          ownedIn: ['turns', 'conversation_summaries'],
        },
      );
      // tool_calls and turn_rounds reference turns ON DELETE CASCADE.
      await erasure.deleteRows('turns');
      await erasure.deleteRows('conversation_summaries');
      await erasure.deleteUnsentEvents();
      this.logger.log(erasure.summary(data.reason));
      return erasure.removed;
    });
  }
}
