import type { EntityManager } from 'typeorm';
import { ConversationLock } from '@lib/database';
import { EVALUATOR_SCHEMA } from '../evaluator-database';

/** The evaluator's lock on a conversation (first key 0x5e7d3) and its tombstones. */
export const EVALUATOR_CONVERSATION_LOCK = new ConversationLock(EVALUATOR_SCHEMA, 0x5e7d3);

/** Takes the conversation's lock (until the transaction ends), then tells whether it was deleted. */
export function lockAndCheckDeleted(manager: EntityManager, conversationId: string): Promise<boolean> {
  return EVALUATOR_CONVERSATION_LOCK.lockAndCheckDeleted(manager, conversationId);
}
