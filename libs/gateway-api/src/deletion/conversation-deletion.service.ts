import { Injectable, Logger } from '@nestjs/common';
import { ConversationDeleted, deriveId, type ConversationDeletionReason } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { EventPublisher } from '@lib/messaging';
import {
  DeletedConversationsRepository,
  type ConversationTombstone,
} from './deleted-conversations.repository';

export interface DeleteConversationCommand {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly reason: ConversationDeletionReason;
  /** An API key id (`api-key:<id>`), `cli`, or `retention`. */
  readonly requestedBy: string;
}

export type DeletionOutcome =
  | { readonly kind: 'deleted'; readonly tombstone: ConversationTombstone }
  /** Deleted before: nothing done, nothing published again. */
  | { readonly kind: 'already_deleted'; readonly tombstone: ConversationTombstone }
  /** The tenant has no such conversation (another tenant's is "not found" too). */
  | { readonly kind: 'not_found' };

/**
 * Deletes a conversation (API, command, retention): in ONE transaction the gateway's rows of it go, a
 * tombstone stays, and `conversation.deleted` is written to the outbox (the relay sends it after commit;
 * every service then removes what it stores). Tenant-scoped and idempotent.
 */
@Injectable()
export class ConversationDeletion {
  private readonly logger = new Logger(ConversationDeletion.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly deleted: DeletedConversationsRepository,
    private readonly publisher: EventPublisher,
  ) {}

  async delete(command: DeleteConversationCommand): Promise<DeletionOutcome> {
    const { tenantId, conversationId, reason, requestedBy } = command;
    const outcome = await this.uow.run(async (): Promise<DeletionOutcome> => {
      // The row lock waits for a turn being accepted; a concurrent deletion finds the tombstone after it.
      if (!(await this.deleted.lockOwned(tenantId, conversationId))) {
        const tombstone = await this.deleted.find(tenantId, conversationId);
        return tombstone ? { kind: 'already_deleted', tombstone } : { kind: 'not_found' };
      }
      const tombstone = await this.deleted.remove(
        { conversationId, tenantId, reason, requestedBy },
        new Date(),
      );
      await this.publisher.publish(
        ConversationDeleted,
        { conversationId, reason, requestedBy, deletedAt: tombstone.deletedAt },
        {
          tenantId,
          id: deriveId(ConversationDeleted.type, conversationId),
          correlationId: conversationId,
        },
      );
      return { kind: 'deleted', tombstone };
    });
    if (outcome.kind === 'deleted') {
      this.logger.log(`conversation ${conversationId} deleted (${reason}, by ${requestedBy})`);
    }
    return outcome;
  }

  /** The tombstone of the tenant's deleted conversation, if it is one. */
  tombstone(tenantId: string, conversationId: string): Promise<ConversationTombstone | undefined> {
    return this.deleted.find(tenantId, conversationId);
  }
}
