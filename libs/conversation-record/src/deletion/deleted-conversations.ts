import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConversationLock, UnitOfWork } from '@lib/database';
import { DiscardedEventError } from '@lib/messaging';
import { PERSISTENCE_SCHEMA } from '../schema';

/** Persistence's lock on a conversation (first key 0x5e7d1) and its tombstones. */
export const PERSISTENCE_CONVERSATION_LOCK = new ConversationLock(PERSISTENCE_SCHEMA, 0x5e7d1);

/**
 * A late event of a deleted conversation: acknowledged and dropped (the pipeline logs it at debug level,
 * rolls its unit of work back, never retries nor dead-letters it).
 */
export class ConversationDeletedError extends DiscardedEventError {
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} was deleted: event dropped`);
    this.name = 'ConversationDeletedError';
  }
}

/**
 * The first statement of every write about a conversation: takes the conversation's lock, then throws
 * `ConversationDeletedError` when it was deleted (`ConversationLock.lockAndCheckDeleted`).
 */
export async function guardConversation(manager: EntityManager, conversationId: string): Promise<void> {
  if (await PERSISTENCE_CONVERSATION_LOCK.lockAndCheckDeleted(manager, conversationId)) {
    throw new ConversationDeletedError(conversationId);
  }
}

/** `guardConversation` for the injectable world (joins the active unit of work). */
@Injectable()
export class DeletedConversations {
  constructor(private readonly uow: UnitOfWork) {}

  guard(conversationId: string): Promise<void> {
    return guardConversation(this.uow.manager, conversationId);
  }
}
