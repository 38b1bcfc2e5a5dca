import type { EntityManager } from 'typeorm';

/** First key of the evaluator's advisory locks on a conversation (the second is the id's hash). */
const CONVERSATION_LOCK_CLASS = 0x5e7d3;

/**
 * Takes the conversation's lock (until the transaction ends), then tells whether it was deleted. Two
 * statements: the check sees a deletion that committed while the lock was awaited (READ COMMITTED).
 */
export async function lockAndCheckDeleted(manager: EntityManager, conversationId: string): Promise<boolean> {
  await manager.query(`SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [
    CONVERSATION_LOCK_CLASS,
    conversationId,
  ]);
  const rows: unknown[] = await manager.query(
    `SELECT 1 FROM "evaluator"."deleted_conversations" WHERE "conversation_id" = $1`,
    [conversationId],
  );
  return rows.length > 0;
}
