import { TurnReceived, newId, type EventEnvelope } from '@lib/contracts';
import { createEnvelope } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { PostgresInboxStore } from './inbox';
import { messagingTablesMigration } from './messaging-tables.migration';

const SCHEMA = 'inboxtest';

function turn(): EventEnvelope<unknown> {
  return createEnvelope(
    TurnReceived,
    {
      conversationId: newId(),
      turnId: newId(),
      sequence: 1,
      role: 'prospect',
      text: 'Hello',
      conversation: { mode: 'assist', prospect: { email: 'ada@example.com' } },
      receivedAt: new Date().toISOString(),
    },
    { tenantId: 't' },
    '/inboxtest',
  );
}

describe('PostgresInboxStore on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let inbox: PostgresInboxStore;

  beforeAll(async () => {
    db = await createMigratedDatabase({
      schema: SCHEMA,
      entities: [],
      migrations: [messagingTablesMigration(SCHEMA)],
    });
    await db.dataSource.query(
      `CREATE TABLE "${SCHEMA}"."effects" ("event_id" varchar(128) NOT NULL, "txid" bigint NOT NULL)`,
    );
    inbox = new PostgresInboxStore(db.uow);
  });

  afterAll(() => db?.close());

  /** The handler's effect: a row with the id of the transaction that wrote it. */
  const effect = (event: EventEnvelope<unknown>) => async (): Promise<void> => {
    await db.uow.manager.query(
      `INSERT INTO "${SCHEMA}"."effects" ("event_id", "txid") VALUES ($1, txid_current())`,
      [event.id],
    );
  };

  async function effects(events: EventEnvelope<unknown>[]): Promise<{ event_id: string; txid: string }[]> {
    return db.dataSource.query(
      `SELECT "event_id", "txid" FROM "${SCHEMA}"."effects" WHERE "event_id" = ANY($1)`,
      [events.map((e) => e.id)],
    );
  }

  async function inboxRows(events: EventEnvelope<unknown>[]): Promise<number> {
    const rows: { count: string }[] = await db.dataSource.query(
      `SELECT count(*) AS count FROM "${SCHEMA}"."inbox" WHERE "event_id" = ANY($1)`,
      [events.map((e) => e.id)],
    );
    return Number(rows[0].count);
  }

  it('runs every runOnce inside runInTransaction in that one transaction, a duplicate included', async () => {
    const [a, b] = [turn(), turn()];
    const results = await inbox.runInTransaction(async () => [
      await inbox.runOnce('persistence', a, effect(a)),
      await inbox.runOnce('persistence', b, effect(b)),
      await inbox.runOnce('persistence', a, effect(a)),
    ]);

    expect(results).toEqual(['processed', 'processed', 'duplicate']);
    const rows = await effects([a, b]);
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.txid)).size).toBe(1);
    await expect(inbox.runOnce('persistence', a, effect(a))).resolves.toBe('duplicate');
  });

  it('rolls back the inbox rows and effects of every record when one fails', async () => {
    const [a, b] = [turn(), turn()];
    await expect(
      inbox.runInTransaction(async () => {
        await inbox.runOnce('persistence', a, effect(a));
        await inbox.runOnce('persistence', b, async () => {
          throw new Error('cannot store b');
        });
      }),
    ).rejects.toThrow('cannot store b');

    expect(await effects([a, b])).toEqual([]);
    expect(await inboxRows([a, b])).toBe(0);
    await expect(inbox.runOnce('persistence', a, effect(a))).resolves.toBe('processed');
  });

  it('runs the after-commit hooks (outbox relay kicks) once, after the COMMIT, and never after a rollback', async () => {
    const [a, b] = [turn(), turn()];
    const fired: string[] = [];
    const hook = (event: EventEnvelope<unknown>) => async (): Promise<void> => {
      await effect(event)();
      db.uow.afterCommit(() => fired.push(event.id));
    };
    await inbox.runInTransaction(async () => {
      await inbox.runOnce('persistence', a, hook(a));
      await inbox.runOnce('persistence', b, hook(b));
      expect(fired).toEqual([]);
    });
    expect(fired).toEqual([a.id, b.id]);

    const c = turn();
    await expect(
      inbox.runInTransaction(async () => {
        await inbox.runOnce('persistence', c, hook(c));
        throw new Error('deadlock detected');
      }),
    ).rejects.toThrow('deadlock detected');
    expect(fired).toEqual([a.id, b.id]);
  });
});
