import { Inject, Injectable, Logger } from '@nestjs/common';
import { Topics, type ConversationDeletedData } from '@lib/contracts';
import { ConversationErasure, UnitOfWork } from '@lib/database';
import { RecordSink } from '@lib/messaging';
import { ConversationTenantMismatchError } from '../errors';
import { PERSISTENCE_CONVERSATION_LOCK } from './deleted-conversations';
import { conversationTables } from './record-tables';

export interface DeletionReport {
  /** false when the conversation was already deleted (a redelivery): nothing left to remove. */
  readonly first: boolean;
  /** Rows removed per table (tables with none are left out). */
  readonly removed: Readonly<Record<string, number>>;
}

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
    return this.uow.run(async (manager) => {
      const erasure = await ConversationErasure.begin(
        manager,
        PERSISTENCE_CONVERSATION_LOCK,
        tenantId,
        data,
        {
          ownedIn: [{ table: 'conversations', column: 'id' }],
          foreign: (id, tenant) => new ConversationTenantMismatchError(id, tenant),
          recordRequester: true,
        },
      );
      // Every table of the schema that names conversations: one added later is covered too.
      for (const { table, column, hasTenant } of await conversationTables(manager)) {
        await erasure.deleteRows(table, { column, tenantScoped: hasTenant });
      }
      // Events about it not sent yet (its state snapshots): gone too, before the Kafka tombstone below.
      await erasure.deleteUnsentEvents();
      // The compacted topic forgets the conversation. Sent before the commit: if it fails, the unit of work
      // rolls back and the event is redelivered.
      await this.sink.sendTombstones(Topics.conversationState.name, [
        { key: data.conversationId, value: null },
      ]);
      this.logger.log(erasure.summary(data.reason));
      return { first: erasure.first, removed: erasure.removed };
    });
  }
}
