import { Injectable } from '@nestjs/common';
import { ConversationLock, UnitOfWork } from '@lib/database';
import { DiscardedEventError } from '@lib/messaging';
import { TOOL_RUNNER_SCHEMA } from '../tool-runner.database';

/** The tool-runner's lock on a conversation (first key 0x5e7d2) and its tombstones. */
export const TOOL_RUNNER_CONVERSATION_LOCK = new ConversationLock(TOOL_RUNNER_SCHEMA, 0x5e7d2);

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

  /** Takes the conversation's lock until the transaction ends, then tells whether it was deleted. */
  lockAndCheck(conversationId: string): Promise<boolean> {
    return TOOL_RUNNER_CONVERSATION_LOCK.lockAndCheckDeleted(this.uow.manager, conversationId);
  }

  /** The first statement of a write about a conversation: throws `ConversationDeletedError` once deleted. */
  async guard(conversationId: string): Promise<void> {
    if (await this.lockAndCheck(conversationId)) throw new ConversationDeletedError(conversationId);
  }
}
