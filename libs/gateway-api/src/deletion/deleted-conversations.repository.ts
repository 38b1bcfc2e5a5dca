import { Injectable } from '@nestjs/common';
import type { ConversationDeletionReason } from '@lib/contracts';
import { schemaOf, UnitOfWork } from '@lib/database';

/** What the gateway keeps of a deleted conversation: who owned it, why, who asked and when. No content. */
export interface ConversationTombstone {
  readonly conversationId: string;
  readonly tenantId: string;
  readonly reason: ConversationDeletionReason;
  readonly requestedBy: string | null;
  readonly deletedAt: string;
}

interface TombstoneRow {
  conversation_id: string;
  tenant_id: string;
  reason: ConversationDeletionReason;
  requested_by: string | null;
  deleted_at: Date;
}

const toTombstone = (r: TombstoneRow): ConversationTombstone => ({
  conversationId: r.conversation_id,
  tenantId: r.tenant_id,
  reason: r.reason,
  requestedBy: r.requested_by,
  deletedAt: r.deleted_at.toISOString(),
});

/** The SQL of conversation deletion in the gateway's schema. Joins the active unit of work. */
@Injectable()
export class DeletedConversationsRepository {
  private readonly schema: string;

  constructor(private readonly uow: UnitOfWork) {
    this.schema = schemaOf(uow.dataSource);
  }

  private table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  /** Locks the tenant's conversation row until the transaction ends; false when the tenant has none. */
  async lockOwned(tenantId: string, conversationId: string): Promise<boolean> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT 1 FROM ${this.table('conversations')} WHERE "id" = $1 AND "tenant_id" = $2 FOR UPDATE`,
      [conversationId, tenantId],
    );
    return rows.length > 0;
  }

  /** The tombstone, if the tenant's conversation was deleted (another tenant's looks like none). */
  async find(tenantId: string, conversationId: string): Promise<ConversationTombstone | undefined> {
    const rows: TombstoneRow[] = await this.uow.manager.query(
      `SELECT * FROM ${this.table('deleted_conversations')} WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
      [conversationId, tenantId],
    );
    return rows[0] && toTombstone(rows[0]);
  }

  /**
   * Removes the conversation's rows (its turns, then the ownership row), leaves the tombstone, and drops
   * its events not sent yet (e.g. a `conversation.started` still in the outbox: the relay holds the row
   * locks of what it is sending, so this waits for a send in flight).
   */
  async remove(
    tombstone: Omit<ConversationTombstone, 'deletedAt'>,
    deletedAt: Date,
  ): Promise<ConversationTombstone> {
    const { conversationId, tenantId } = tombstone;
    await this.uow.manager.query(
      `DELETE FROM ${this.table('turns')} WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
      [conversationId, tenantId],
    );
    await this.uow.manager.query(
      `DELETE FROM ${this.table('conversations')} WHERE "id" = $1 AND "tenant_id" = $2`,
      [conversationId, tenantId],
    );
    await this.uow.manager.query(
      `DELETE FROM ${this.table('outbox')} WHERE "key" = $1 OR ("value"::jsonb ->> 'conversationId') = $1`,
      [conversationId],
    );
    const rows: TombstoneRow[] = await this.uow.manager.query(
      `INSERT INTO ${this.table('deleted_conversations')}
         ("conversation_id", "tenant_id", "reason", "requested_by", "deleted_at")
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [conversationId, tenantId, tombstone.reason, tombstone.requestedBy, deletedAt],
    );
    return toTombstone(rows[0]);
  }
}
