import { revertAllMigrations, runMigrations } from '@lib/database';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { GATEWAY_DATABASE, GATEWAY_SCHEMA } from './gateway.database';

describe('gateway migrations', () => {
  let db: MigratedServiceDatabase;

  beforeAll(async () => {
    db = await createMigratedDatabase(GATEWAY_DATABASE);
  });

  afterAll(async () => {
    await db?.close();
  });

  const tables = async (): Promise<string[]> => {
    const rows: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [GATEWAY_SCHEMA],
    );
    return rows.map((r) => r.table_name);
  };

  it('go up and down, and up again', async () => {
    expect(await tables()).toEqual([
      'api_keys',
      'conversations',
      'deleted_conversations',
      'inbox',
      'migrations',
      'outbox',
      'tenants',
      'turns',
    ]);

    expect(await revertAllMigrations(db.dataSource)).toBe(5);
    expect(await tables()).toEqual(['migrations']);

    expect(await runMigrations(db.dataSource, GATEWAY_SCHEMA)).toEqual([
      'MessagingTables1764000000000',
      'CreateAccess1764000001000',
      'CreateGatewayConversations1764000002000',
      'GatewayConversationDeletion1764000007200',
      'GatewayConversationEnd1764000008310',
    ]);
    expect(await tables()).toHaveLength(8);
  });

  it('keep one turn per idempotency key and per sequence in a conversation', async () => {
    const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);
    const tenant = '0197a000-0000-7000-8000-000000000001';
    const conversation = '0197a000-0000-7000-8000-000000000002';
    await q(`INSERT INTO gateway.tenants (id, name) VALUES ($1, 't')`, [tenant]);
    await q(
      `INSERT INTO gateway.conversations (id, tenant_id, mode, prospect) VALUES ($1, $2, 'assist', '{}')`,
      [conversation, tenant],
    );
    const insertTurn = (id: string, sequence: number, key: string | null) =>
      q(
        `INSERT INTO gateway.turns (id, conversation_id, tenant_id, sequence, idempotency_key) VALUES ($1, $2, $3, $4, $5)`,
        [id, conversation, tenant, sequence, key],
      );
    await insertTurn('0197a000-0000-7000-8000-000000000010', 1, 'k');
    await expect(insertTurn('0197a000-0000-7000-8000-000000000011', 2, 'k')).rejects.toThrow(/idempotency/);
    await expect(insertTurn('0197a000-0000-7000-8000-000000000012', 1, null)).rejects.toThrow(/sequence/);
    // Turns without a key do not collide with each other.
    await insertTurn('0197a000-0000-7000-8000-000000000013', 2, null);
    await insertTurn('0197a000-0000-7000-8000-000000000014', 3, null);
    await expect(
      q(`INSERT INTO gateway.conversations (id, tenant_id, mode, prospect) VALUES ($1, $2, 'chat', '{}')`, [
        '0197a000-0000-7000-8000-000000000003',
        tenant,
      ]),
    ).rejects.toThrow(/check/);
  });
});
