import { Inject, Injectable, Logger } from '@nestjs/common';
import { Topics, type ConversationDeletedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { RecordSink } from '@lib/messaging';
import { ConversationTenantMismatchError } from '../errors';
import { PERSISTENCE_SCHEMA } from '../schema';
import { DELETED_CONVERSATIONS, lockConversation } from './deleted-conversations';
import { conversationTables } from './record-tables';

export interface DeletionReport {
  /** false when the conversation was already deleted (a redelivery): nothing left to remove. */
  readonly first: boolean;
  /** Rows removed per table (tables with none are left out). */
  readonly removed: Readonly<Record<string, number>>;
}

const OUTBOX = `"${PERSISTENCE_SCHEMA}"."outbox"`;

/**
 * `conversation.deleted` in persistence, one unit of work: the tombstone (late events are dropped from now
 * on), every row of the conversation in every table of the schema, its unsent outbox entries, and a
 * tombstone record on the compacted state topic. Idempotent: a redelivery finds nothing left and sends the
 * Kafka tombstone again (harmless). Tenant-scoped: a deletion naming another tenant's conversation is refused.
 */
@Injectable()
export class ConversationDeletionService {
  private readonly logger = new Logger(ConversationDeletionService.name);

  constructor(
    private readonly uow: UnitOfWork,
    @Inject(RecordSink) private readonly sink: RecordSink,
  ) {}

  async delete(tenantId: string, data: ConversationDeletedData): Promise<DeletionReport> {
    const id = data.conversationId;
    return this.uow.run(async (manager) => {
      await lockConversation(manager, id);
      const owners: { tenant_id: string }[] = await manager.query(
        `SELECT "tenant_id" FROM "${PERSISTENCE_SCHEMA}"."conversations" WHERE "id" = $1
         UNION SELECT "tenant_id" FROM ${DELETED_CONVERSATIONS} WHERE "conversation_id" = $1`,
        [id],
      );
      if (owners.some((o) => o.tenant_id !== tenantId))
        throw new ConversationTenantMismatchError(id, tenantId);
      const tombstone: unknown[] = await manager.query(
        `INSERT INTO ${DELETED_CONVERSATIONS} ("conversation_id", "tenant_id", "reason", "requested_by", "deleted_at")
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("conversation_id") DO NOTHING RETURNING 1`,
        [id, tenantId, data.reason, data.requestedBy ?? null, data.deletedAt],
      );
      const removed: Record<string, number> = {};
      for (const { table, column, hasTenant } of await conversationTables(manager)) {
        const [, count]: [unknown, number] = await manager.query(
          `DELETE FROM "${PERSISTENCE_SCHEMA}"."${table}" WHERE "${column}" = $1${hasTenant ? ` AND "tenant_id" = $2` : ''}`,
          hasTenant ? [id, tenantId] : [id],
        );
        if (count > 0) removed[table] = count;
      }
      // Events about it not sent yet (its state snapshots): gone too. The relay holds the row locks of what
      // it is sending, so this waits for a send in flight, and the Kafka tombstone below comes after it.
      const [, unsent]: [unknown, number] = await manager.query(
        `DELETE FROM ${OUTBOX} WHERE "key" = $1 OR ("value"::jsonb ->> 'conversationId') = $1`,
        [id],
      );
      if (unsent > 0) removed.outbox = unsent;
      // The compacted topic forgets the conversation. Sent before the commit: if it fails, the unit of work
      // rolls back and the event is redelivered.
      await this.sink.sendTombstones(Topics.conversationState.name, [{ key: id, value: null }]);
      const first = tombstone.length > 0;
      this.logger.log(
        `conversation ${id} deleted (${data.reason}${first ? '' : ', again'}): ` +
          (Object.entries(removed)
            .map(([table, n]) => `${table} ${n}`)
            .join(', ') || 'nothing stored'),
      );
      return { first, removed };
    });
  }
}
