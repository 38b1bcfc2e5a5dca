import type { EntityManager } from 'typeorm';

/**
 * A service's lock on one conversation and its tombstones of deleted conversations
 * (`<schema>.deleted_conversations`, ADR 5): the same few statements for every service that stores facts
 * about conversations, with only the schema and the lock class differing.
 *
 * The lock is a transaction-scoped advisory lock keyed by `(lockClass, hashtext(conversationId))`: the
 * conversation may have no row yet, so there is nothing else to lock. Each service has its own lock class,
 * so the services never wait on each other even when they share one database.
 */
export class ConversationLock {
  private readonly tombstones: string;

  constructor(
    readonly schema: string,
    readonly lockClass: number,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
    if (!Number.isInteger(lockClass) || lockClass < -(2 ** 31) || lockClass >= 2 ** 31) {
      throw new Error(`the lock class must be a 32-bit integer: ${lockClass}`);
    }
    this.tombstones = `"${schema}"."deleted_conversations"`;
  }

  /** The table of tombstones, quoted for SQL. */
  get tombstoneTable(): string {
    return this.tombstones;
  }

  /** Takes the conversation's lock until the transaction of `manager` ends. */
  async lock(manager: EntityManager, conversationId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [
      this.lockClass,
      conversationId,
    ]);
  }

  /** Whether the conversation has a tombstone. */
  async isDeleted(manager: EntityManager, conversationId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM ${this.tombstones} WHERE "conversation_id" = $1`,
      [conversationId],
    );
    return rows.length > 0;
  }

  /**
   * Takes the lock, then tells whether the conversation was deleted. Two statements on purpose: in READ
   * COMMITTED each one sees what was committed when it started, so the check sees a deletion that
   * committed while the lock was awaited.
   */
  async lockAndCheckDeleted(manager: EntityManager, conversationId: string): Promise<boolean> {
    await this.lock(manager, conversationId);
    return this.isDeleted(manager, conversationId);
  }
}
