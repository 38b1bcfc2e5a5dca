import { newId } from '@lib/contracts';
import { revertAllMigrations, runMigrations } from '@lib/database';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { PERSISTENCE_DATABASE, PERSISTENCE_SCHEMA } from './index';

const RECORD_TABLES = [
  'alerts',
  'analyses',
  'conversations',
  'crm_changes',
  'evaluations',
  'feedback',
  'replies',
  'tool_calls',
  'turn_failures',
  'turns',
];

const USAGE_COLUMNS = ['cache_read_tokens', 'cache_write_tokens', 'cost_usd', 'latency_ms', 'model_calls'];

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

  const replyColumns = async (): Promise<string[]> => {
    const rows: { column_name: string }[] = await db.dataSource.query(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'replies' ORDER BY column_name`,
      [PERSISTENCE_SCHEMA],
    );
    return rows.map((r) => r.column_name);
  };

  it('adds the nullable usage and latency columns to replies, with their types', async () => {
    const rows: { column_name: string; data_type: string; is_nullable: string; precision: string }[] =
      await db.dataSource.query(
        `SELECT column_name, data_type, is_nullable,
                concat_ws(',', numeric_precision, numeric_scale) AS precision
         FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'replies' AND column_name = ANY($2) ORDER BY column_name`,
        [PERSISTENCE_SCHEMA, USAGE_COLUMNS],
      );
    expect(rows).toEqual([
      { column_name: 'cache_read_tokens', data_type: 'integer', is_nullable: 'YES', precision: '32,0' },
      { column_name: 'cache_write_tokens', data_type: 'integer', is_nullable: 'YES', precision: '32,0' },
      { column_name: 'cost_usd', data_type: 'numeric', is_nullable: 'YES', precision: '12,6' },
      { column_name: 'latency_ms', data_type: 'integer', is_nullable: 'YES', precision: '32,0' },
      { column_name: 'model_calls', data_type: 'integer', is_nullable: 'YES', precision: '32,0' },
    ]);
  });

  it('reverts the usage columns alone, keeping the stored replies, and adds them back', async () => {
    const replyId = newId();
    await db.dataSource.query(
      `INSERT INTO "${PERSISTENCE_SCHEMA}"."replies" ("id", "turn_id", "conversation_id", "tenant_id", "kind",
         "text", "citations", "model", "input_tokens", "output_tokens", "cost_usd", "generated_at")
       VALUES ($1, $2, $3, 'tenant-m', 'reply', 'hi', '[]', '{}', 1, 2, 0.5, now())`,
      [replyId, newId(), newId()],
    );
    const before = await replyColumns();

    // The CRM changes table came after the usage columns: revert it first.
    await db.dataSource.undoLastMigration({ transaction: 'each' });
    await db.dataSource.undoLastMigration({ transaction: 'each' });
    expect(await replyColumns()).toEqual(before.filter((c) => !USAGE_COLUMNS.includes(c)));
    const kept: { id: string }[] = await db.dataSource.query(
      `SELECT "id" FROM "${PERSISTENCE_SCHEMA}"."replies" WHERE "id" = $1`,
      [replyId],
    );
    expect(kept).toEqual([{ id: replyId }]);

    expect(await runMigrations(db.dataSource, PERSISTENCE_SCHEMA)).toEqual([
      'AddReplyUsage1764000004000',
      'CreateCrmChanges1764000005000',
    ]);
    expect(await replyColumns()).toEqual(before);
  });

  it('reverts every migration, leaving only the migrations table, then applies them again', async () => {
    expect(await revertAllMigrations(db.dataSource)).toBe(4);
    expect(await tables()).toEqual(['migrations']);

    const applied = await runMigrations(db.dataSource, PERSISTENCE_SCHEMA);
    expect(applied).toEqual([
      'MessagingTables1764000000000',
      'CreateConversationRecord1764000003000',
      'AddReplyUsage1764000004000',
      'CreateCrmChanges1764000005000',
    ]);
    expect(await tables()).toEqual(['inbox', 'migrations', 'outbox', ...RECORD_TABLES].sort());
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
