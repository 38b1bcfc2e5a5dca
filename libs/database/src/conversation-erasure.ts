import type { EntityManager } from 'typeorm';
import type { ConversationDeletedData } from '@lib/contracts';
import { PermanentError } from '@lib/messaging';
import type { ConversationLock } from './conversation-lock';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid table or column name: ${name}`);
  return `"${name}"`;
}

/** A table that may hold the conversation, and the column that names it (default `conversation_id`). */
export type OwnedTable = string | { readonly table: string; readonly column: string };

export interface ErasureOptions {
  /** The tables whose rows tell which tenant owns the conversation (the tombstones are always checked). */
  readonly ownedIn: readonly OwnedTable[];
  /** The error when another tenant owns it (default: a `PermanentError`, dead-lettered with the reason). */
  readonly foreign?: (conversationId: string, tenantId: string) => Error;
  /** The tombstone table has a `requested_by` column (persistence's). */
  readonly recordRequester?: boolean;
}

/**
 * One service's part of `conversation.deleted` (ADR 5), in the caller's transaction: `begin` takes the
 * conversation's lock, refuses a conversation of another tenant and writes the tombstone; then the service
 * removes its rows (`deleteRows`, `count` for anything else) and its unsent events (`deleteUnsentEvents`), and
 * logs `summary()`. Counts are kept per table for the log and the tests.
 */
export class ConversationErasure {
  readonly removed: Record<string, number> = {};

  private constructor(
    private readonly manager: EntityManager,
    private readonly lock: ConversationLock,
    readonly conversationId: string,
    readonly tenantId: string,
    /** False when the conversation was already deleted (a redelivery). */
    readonly first: boolean,
  ) {}

  static async begin(
    manager: EntityManager,
    lock: ConversationLock,
    tenantId: string,
    data: ConversationDeletedData,
    options: ErasureOptions,
  ): Promise<ConversationErasure> {
    const id = data.conversationId;
    const schema = identifier(lock.schema);
    await lock.lock(manager, id);
    const owners: { tenant_id: string }[] = await manager.query(
      [
        ...options.ownedIn.map((owned) => {
          const { table, column } =
            typeof owned === 'string' ? { table: owned, column: 'conversation_id' } : owned;
          return `SELECT "tenant_id" FROM ${schema}.${identifier(table)} WHERE ${identifier(column)} = $1`;
        }),
        `SELECT "tenant_id" FROM ${lock.tombstoneTable} WHERE "conversation_id" = $1`,
      ].join(' UNION '),
      [id],
    );
    if (owners.some((o) => o.tenant_id !== tenantId)) {
      throw (
        options.foreign?.(id, tenantId) ??
        new PermanentError(`conversation ${id} does not belong to tenant ${tenantId}: not deleted`)
      );
    }
    const inserted: unknown[] = options.recordRequester
      ? await manager.query(
          `INSERT INTO ${lock.tombstoneTable} ("conversation_id", "tenant_id", "reason", "requested_by", "deleted_at")
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("conversation_id") DO NOTHING RETURNING 1`,
          [id, tenantId, data.reason, data.requestedBy ?? null, data.deletedAt],
        )
      : await manager.query(
          `INSERT INTO ${lock.tombstoneTable} ("conversation_id", "tenant_id", "reason", "deleted_at")
           VALUES ($1, $2, $3, $4) ON CONFLICT ("conversation_id") DO NOTHING RETURNING 1`,
          [id, tenantId, data.reason, data.deletedAt],
        );
    return new ConversationErasure(manager, lock, id, tenantId, inserted.length > 0);
  }

  /** Deletes the conversation's rows of `table` (matched on `column` and, when it has one, the tenant). */
  deleteRows(table: string, options: { column?: string; tenantScoped?: boolean } = {}): Promise<number> {
    const column = identifier(options.column ?? 'conversation_id');
    const scoped = options.tenantScoped ?? true;
    return this.count(
      table,
      `DELETE FROM ${identifier(this.lock.schema)}.${identifier(table)} WHERE ${column} = $1` +
        (scoped ? ` AND "tenant_id" = $2` : ''),
      scoped ? [this.conversationId, this.tenantId] : [this.conversationId],
    );
  }

  /** Runs a DELETE or UPDATE and counts its rows under `label`. */
  async count(label: string, sql: string, params: unknown[]): Promise<number> {
    const [, affected]: [unknown, number] = await this.manager.query(sql, params);
    this.add(label, affected);
    return affected;
  }

  /** Adds to a table's count (work done by another component, e.g. a document store). */
  add(label: string, n: number): void {
    if (n > 0) this.removed[label] = (this.removed[label] ?? 0) + n;
  }

  /**
   * Its events not sent yet: keyed by the conversation, or naming it in their data (tool events are keyed by
   * call). The relay holds the row locks of what it is sending, so this waits for a send in flight.
   */
  deleteUnsentEvents(): Promise<number> {
    return this.count(
      'outbox',
      `DELETE FROM ${identifier(this.lock.schema)}."outbox"
       WHERE "key" = $1 OR ("value"::jsonb ->> 'conversationId') = $1`,
      [this.conversationId],
    );
  }

  /** `conversation <id> deleted (<reason>): turns 2, outbox 1` (or `nothing stored`). */
  summary(reason: string): string {
    const counts = Object.entries(this.removed).map(([table, n]) => `${table} ${n}`);
    return (
      `conversation ${this.conversationId} deleted (${reason}${this.first ? '' : ', again'}): ` +
      (counts.join(', ') || 'nothing stored')
    );
  }
}
