import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import { DiscardedEventError } from '@lib/messaging';

/** First key of the tool-runner's advisory locks on a conversation (the second is the id's hash). */
const CONVERSATION_LOCK_CLASS = 0x5e7d2;

/**
 * The conversation was deleted. For an event (a late tool request, turn or analysis) it means "acknowledge
 * and drop" (the pipeline rolls the unit of work back, no retry, no dead letter); the knowledge API answers
 * 409.
 */
export class ConversationDeletedError extends DiscardedEventError {
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} was deleted`);
    this.name = 'ConversationDeletedError';
  }
}

/** The tool-runner's tombstones of deleted conversations, and the lock that serialises them with writes. */
@Injectable()
export class ToolRunnerDeletedConversations {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Takes the conversation's lock until the transaction ends, then tells whether it was deleted. Two
   * statements: the check sees a deletion that committed while the lock was awaited (READ COMMITTED).
   */
  async lockAndCheck(conversationId: string): Promise<boolean> {
    const manager = this.uow.manager;
    await manager.query(`SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [
      CONVERSATION_LOCK_CLASS,
      conversationId,
    ]);
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM "tool_runner"."deleted_conversations" WHERE "conversation_id" = $1`,
      [conversationId],
    );
    return rows.length > 0;
  }

  /** The first statement of a write about a conversation: throws `ConversationDeletedError` once deleted. */
  async guard(conversationId: string): Promise<void> {
    if (await this.lockAndCheck(conversationId)) throw new ConversationDeletedError(conversationId);
  }
}
