import { Injectable, Logger } from '@nestjs/common';
import { ConversationEnded, deriveId, type ConversationEndReason } from '@lib/contracts';
import { schemaOf, UnitOfWork } from '@lib/database';
import { EventPublisher } from '@lib/messaging';
import { DeletedConversationsRepository } from '../deletion/deleted-conversations.repository';

export type EndOutcome =
  | { readonly kind: 'ended'; readonly endedAt: string; readonly reason: ConversationEndReason }
  /** Ended before: the same answer, nothing published again. */
  | { readonly kind: 'already_ended'; readonly endedAt: string; readonly reason: ConversationEndReason }
  | { readonly kind: 'deleted'; readonly deletedAt: string }
  /** The tenant has no such conversation (another tenant's is "not found" too). */
  | { readonly kind: 'not_found' };

/**
 * Ends a conversation (`POST /v1/conversations/{id}/end`): in ONE unit of work, under the conversation's row
 * lock, `ended_at` is set and `conversation.ended` is written to the outbox (event id
 * `deriveId(type, conversationId)`; the relay sends it after commit). Tenant-scoped and idempotent: a second
 * end finds `ended_at` and publishes nothing. Ending does not close the conversation to new turns: later
 * turns are accepted, and the evaluator's idle sweep evaluates them.
 */
@Injectable()
export class ConversationEnding {
  private readonly logger = new Logger(ConversationEnding.name);
  private readonly conversations: string;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly deleted: DeletedConversationsRepository,
    private readonly publisher: EventPublisher,
  ) {
    this.conversations = `"${schemaOf(uow.dataSource)}"."conversations"`;
  }

  async end(tenantId: string, conversationId: string): Promise<EndOutcome> {
    const reason: ConversationEndReason = 'closed';
    const outcome = await this.uow.run(async (): Promise<EndOutcome> => {
      const rows: { ended_at: Date | null }[] = await this.uow.manager.query(
        `SELECT "ended_at" FROM ${this.conversations} WHERE "id" = $1 AND "tenant_id" = $2 FOR UPDATE`,
        [conversationId, tenantId],
      );
      if (rows.length === 0) {
        const tombstone = await this.deleted.find(tenantId, conversationId);
        return tombstone ? { kind: 'deleted', deletedAt: tombstone.deletedAt } : { kind: 'not_found' };
      }
      const previous = rows[0].ended_at;
      if (previous) return { kind: 'already_ended', endedAt: previous.toISOString(), reason };
      // An UPDATE … RETURNING answers [rows, affected count].
      const [updated]: [{ ended_at: Date }[], number] = await this.uow.manager.query(
        `UPDATE ${this.conversations} SET "ended_at" = now() WHERE "id" = $1 AND "tenant_id" = $2
         RETURNING "ended_at"`,
        [conversationId, tenantId],
      );
      const endedAt = updated[0].ended_at;
      await this.publisher.publish(
        ConversationEnded,
        { conversationId, reason, endedAt: endedAt.toISOString() },
        { tenantId, id: deriveId(ConversationEnded.type, conversationId), correlationId: conversationId },
      );
      return { kind: 'ended', endedAt: endedAt.toISOString(), reason };
    });
    if (outcome.kind === 'ended') this.logger.log(`conversation ${conversationId} ended (${reason})`);
    return outcome;
  }
}
