import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '@lib/database';
import { DiscardedEventError } from '@lib/messaging';
import { PERSISTENCE_SCHEMA } from '../schema';

/** First key of persistence's advisory locks on a conversation (the second is the id's hash). */
const CONVERSATION_LOCK_CLASS = 0x5e7d1;

export const DELETED_CONVERSATIONS = `"${PERSISTENCE_SCHEMA}"."deleted_conversations"`;

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
 * Serialises the writes of one conversation with its deletion, until the transaction ends: an advisory lock
 * (the conversation may have no row yet, nothing else to lock).
 */
export async function lockConversation(manager: EntityManager, conversationId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [
    CONVERSATION_LOCK_CLASS,
    conversationId,
  ]);
}

/**
 * The first statement of every write about a conversation: takes the conversation's lock, then throws
 * `ConversationDeletedError` when it was deleted. Two statements on purpose: in READ COMMITTED each one sees
 * what was committed when it started, so the check sees a deletion that committed while the lock was awaited.
 */
export async function guardConversation(manager: EntityManager, conversationId: string): Promise<void> {
  await lockConversation(manager, conversationId);
  const rows: unknown[] = await manager.query(
    `SELECT 1 FROM ${DELETED_CONVERSATIONS} WHERE "conversation_id" = $1`,
    [conversationId],
  );
  if (rows.length > 0) throw new ConversationDeletedError(conversationId);
}

/** `guardConversation` for the injectable world (joins the active unit of work). */
@Injectable()
export class DeletedConversations {
  constructor(private readonly uow: UnitOfWork) {}

  guard(conversationId: string): Promise<void> {
    return guardConversation(this.uow.manager, conversationId);
  }
}
