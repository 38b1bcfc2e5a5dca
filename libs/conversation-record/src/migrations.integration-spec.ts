import { revertAllMigrations, runMigrations } from '@lib/database';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { PERSISTENCE_DATABASE, PERSISTENCE_SCHEMA } from './index';

const RECORD_TABLES = [
  'alerts',
  'analyses',
  'conversations',
  'evaluations',
  'feedback',
  'replies',
  'tool_calls',
  'turn_failures',
  'turns',
];

describe('persistence migrations', () => {
  let db: MigratedServiceDatabase;

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
  });

  afterAll(async () => {
    await db?.close();
  });

  const tables = async (): Promise<string[]> => {
    const rows: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [PERSISTENCE_SCHEMA],
    );
    return rows.map((r) => r.table_name);
  };

  it('creates the messaging tables and the record tables, every one with a tenant_id', async () => {
    expect(await tables()).toEqual(['inbox', 'migrations', 'outbox', ...RECORD_TABLES].sort());
    const withTenant: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.columns
       WHERE table_schema = $1 AND column_name = 'tenant_id' ORDER BY table_name`,
      [PERSISTENCE_SCHEMA],
    );
    expect(withTenant.map((r) => r.table_name)).toEqual(RECORD_TABLES);
  });

  it('matches the entities exactly (TypeORM finds nothing to change)', async () => {
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('reverts every migration, leaving only the migrations table, then applies them again', async () => {
    expect(await revertAllMigrations(db.dataSource)).toBe(2);
    expect(await tables()).toEqual(['migrations']);

    const applied = await runMigrations(db.dataSource, PERSISTENCE_SCHEMA);
    expect(applied).toEqual(['MessagingTables1764000000000', 'CreateConversationRecord1764000003000']);
    expect(await tables()).toEqual(['inbox', 'migrations', 'outbox', ...RECORD_TABLES].sort());
  });
});
