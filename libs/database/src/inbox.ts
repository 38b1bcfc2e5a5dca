import type { EventEnvelope } from '@lib/contracts';
import { InboxStore } from '@lib/messaging';
import { schemaOf } from './data-source';
import type { UnitOfWork } from './unit-of-work';

/**
 * Inbox in PostgreSQL: the (consumer, event id) row is inserted in the same transaction as the handler's
 * effects, so a redelivered event (crash before the offset commit, producer retry, replay) is skipped.
 * Inside `runInTransaction` (or any active unit of work of the same DataSource) `runOnce` joins that
 * transaction: a duplicate within it is seen too (same transaction), and a failure rolls back every row.
 */
export class PostgresInboxStore extends InboxStore {
  private readonly table: string;

  constructor(private readonly uow: UnitOfWork) {
    super();
    this.table = `"${schemaOf(uow.dataSource)}"."inbox"`;
  }

  async runOnce(
    consumer: string,
    event: EventEnvelope<unknown>,
    work: () => Promise<void>,
  ): Promise<'processed' | 'duplicate'> {
    return this.uow.run(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO ${this.table} ("consumer", "event_id", "event_type") VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING "event_id"`,
        [consumer, event.id, event.type],
      );
      if (inserted.length === 0) return 'duplicate';
      await work();
      return 'processed';
    });
  }

  /**
   * One transaction for several `runOnce` calls (they join it): a chunk of records shares one BEGIN/COMMIT.
   * Outbox after-commit hooks registered inside run once, after that COMMIT; a rejection rolls it all back.
   */
  override runInTransaction<T>(work: () => Promise<T>): Promise<T> {
    return this.uow.run(() => work());
  }
}
