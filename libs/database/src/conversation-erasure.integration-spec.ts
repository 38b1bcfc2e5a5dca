import type { ConversationDeletedData } from '@lib/contracts';
import { PermanentError } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { ConversationErasure } from './conversation-erasure';
import { ConversationLock } from './conversation-lock';
import { messagingTablesMigration } from './messaging-tables.migration';

const SCHEMA = 'erasuretest';
const C = '01a20ded-0000-7000-8000-0000000000e1';

/** A service's part of a conversation deletion on a real PostgreSQL (every service's shape, ADR 5). */
describe('ConversationErasure on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  const lock = new ConversationLock(SCHEMA, 0x7e572);
  const deletion = (reason: ConversationDeletedData['reason'] = 'request'): ConversationDeletedData => ({
    conversationId: C,
    reason,
    deletedAt: '2026-11-24T10:00:00.000Z',
  });

  beforeAll(async () => {
    db = await createMigratedDatabase({
      schema: SCHEMA,
      entities: [],
      migrations: [messagingTablesMigration(SCHEMA)],
    });
    await db.dataSource.query(`CREATE TABLE "${SCHEMA}"."deleted_conversations" (
      "conversation_id" uuid PRIMARY KEY, "tenant_id" varchar(128) NOT NULL, "reason" varchar(16) NOT NULL,
      "deleted_at" timestamptz NOT NULL)`);
    await db.dataSource.query(`CREATE TABLE "${SCHEMA}"."notes" (
      "id" serial PRIMARY KEY, "conversation_id" uuid NOT NULL, "tenant_id" varchar(128) NOT NULL, "text" text)`);
    await db.dataSource.query(
      `INSERT INTO "${SCHEMA}"."notes" ("conversation_id", "tenant_id", "text")
       VALUES ($1, 't1', 'a'), ($1, 't1', 'b'), ('01a20ded-0000-7000-8000-0000000000e2', 't1', 'other')`,
      [C],
    );
  });

  afterAll(() => db?.close());

  const erase = (tenantId: string) =>
    db.dataSource.transaction(async (manager) => {
      const erasure = await ConversationErasure.begin(manager, lock, tenantId, deletion(), {
        ownedIn: ['notes'],
      });
      await erasure.deleteRows('notes');
      await erasure.deleteUnsentEvents();
      return erasure;
    });

  it("refuses another tenant's conversation and changes nothing", async () => {
    await expect(erase('t2')).rejects.toThrow(PermanentError);
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM "${SCHEMA}"."notes"`);
    expect(n).toBe(3);
    expect(await db.dataSource.transaction((m) => lock.isDeleted(m, C))).toBe(false);
  });

  it('writes the tombstone, removes the rows and counts them; a redelivery finds nothing left', async () => {
    const first = await erase('t1');
    expect(first.first).toBe(true);
    expect(first.removed).toEqual({ notes: 2 });
    expect(first.summary('request')).toBe(`conversation ${C} deleted (request): notes 2`);
    expect(await db.dataSource.transaction((m) => lock.isDeleted(m, C))).toBe(true);
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM "${SCHEMA}"."notes"`);
    expect(n).toBe(1);

    const again = await erase('t1');
    expect(again.first).toBe(false);
    expect(again.summary('request')).toBe(`conversation ${C} deleted (request, again): nothing stored`);
    // The tombstone now says the owner: another tenant is still refused.
    await expect(erase('t2')).rejects.toThrow(/does not belong to tenant t2/);
  });

  it('refuses a table name that is not a plain identifier', async () => {
    await expect(
      db.dataSource.transaction((manager) =>
        ConversationErasure.begin(manager, lock, 't1', deletion(), { ownedIn: ['notes; DROP TABLE x'] }),
      ),
    ).rejects.toThrow(/invalid table or column name/);
  });
});
