import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { ConversationLock } from './conversation-lock';
import { messagingTablesMigration } from './messaging-tables.migration';

const SCHEMA = 'locktest';

/**
 * The lock every service takes before writing about a conversation, on a real PostgreSQL: it serialises
 * two transactions on one conversation (not on two), and the check after it sees a deletion that committed
 * while the lock was awaited.
 */
describe('ConversationLock on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  const lock = new ConversationLock(SCHEMA, 0x7e571);

  beforeAll(async () => {
    db = await createMigratedDatabase({
      schema: SCHEMA,
      entities: [],
      migrations: [messagingTablesMigration(SCHEMA)],
    });
    await db.dataSource.query(
      `CREATE TABLE "${SCHEMA}"."deleted_conversations" ("conversation_id" uuid PRIMARY KEY)`,
    );
  });

  afterAll(() => db?.close());

  /** Resolves `false` when `promise` has not settled after `ms` (a waiting lock). */
  const settlesWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
    Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
    ]);

  it('sees a deletion that committed while the lock was awaited', async () => {
    const id = '01a20ded-0000-7000-8000-000000000001';
    const holder = db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await lock.lock(holder.manager, id);
      const check = db.dataSource.transaction((manager) => lock.lockAndCheckDeleted(manager, id));
      expect(await settlesWithin(check, 300)).toBe(false);
      await holder.manager.query(`INSERT INTO ${lock.tombstoneTable} ("conversation_id") VALUES ($1)`, [id]);
      await holder.commitTransaction();
      await expect(check).resolves.toBe(true);
    } finally {
      await holder.release();
    }
    await expect(db.dataSource.transaction((m) => lock.isDeleted(m, id))).resolves.toBe(true);
  });

  it('does not make another conversation wait, and tells a live conversation apart', async () => {
    const held = '01a20ded-0000-7000-8000-000000000002';
    const other = '01a20ded-0000-7000-8000-000000000003';
    const holder = db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await lock.lock(holder.manager, held);
      const check = db.dataSource.transaction((m) => lock.lockAndCheckDeleted(m, other));
      expect(await settlesWithin(check, 5_000)).toBe(true);
      await expect(check).resolves.toBe(false);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('releases the lock when the transaction ends', async () => {
    const id = '01a20ded-0000-7000-8000-000000000004';
    await db.dataSource.transaction((m) => lock.lock(m, id));
    const again = db.dataSource.transaction((m) => lock.lockAndCheckDeleted(m, id));
    expect(await settlesWithin(again, 5_000)).toBe(true);
  });
});
