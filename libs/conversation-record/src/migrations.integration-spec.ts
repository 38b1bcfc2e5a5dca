import type { MigrationInterface } from 'typeorm';
import { newId } from '@lib/contracts';
import { revertAllMigrations, runMigrations } from '@lib/database';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { PERSISTENCE_DATABASE, PERSISTENCE_SCHEMA } from './index';

const RECORD_TABLES = [
  'alerts',
  'analyses',
  'analysis_entities',
  'analysis_intents',
  'analysis_objections',
  'conversation_evaluations',
  'conversation_feedback',
  'conversation_snapshots',
  'conversations',
  'crm_changes',
  'deleted_conversations',
  'evaluations',
  'feedback',
  'replies',
  'stage_transitions',
  'tool_calls',
  'turn_failures',
  'turns',
];

/** The migrations' names, in order. */
const MIGRATION_NAMES = (PERSISTENCE_DATABASE.migrations as (new () => MigrationInterface)[]).map(
  (m) => new m().name ?? m.name,
);
/** The names of `name` and every migration after it. */
const fromMigration = (name: string): string[] => MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf(name));

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

    // Later migrations came after the usage columns: revert them first.
    const reapplied = fromMigration('AddReplyUsage1764000004000');
    for (const _ of reapplied) await db.dataSource.undoLastMigration({ transaction: 'each' });
    // prompt_version comes with a later migration.
    expect(await replyColumns()).toEqual(
      before.filter((c) => !USAGE_COLUMNS.includes(c) && c !== 'prompt_version'),
    );
    const kept: { id: string }[] = await db.dataSource.query(
      `SELECT "id" FROM "${PERSISTENCE_SCHEMA}"."replies" WHERE "id" = $1`,
      [replyId],
    );
    expect(kept).toEqual([{ id: replyId }]);

    expect(await runMigrations(db.dataSource, PERSISTENCE_SCHEMA)).toEqual(reapplied);
    expect(await replyColumns()).toEqual(before);
  });

  it('backfills the prompt version of stored replies, and its down keeps the rows', async () => {
    const replyId = newId();
    const turnId = newId();
    await db.dataSource.query(
      `INSERT INTO "${PERSISTENCE_SCHEMA}"."turns" ("id", "conversation_id", "tenant_id", "sequence", "role",
         "text", "received_at", "redacted_text", "word_count", "token_count")
       VALUES ($1, $2, 'tenant-m', 1, 'prospect', 'hello there', now(), 'hello there', 2, 3)`,
      [turnId, newId()],
    );
    const reapplied = fromMigration('ExtendRecordForAnalytics1764000006000');
    for (const _ of reapplied) await db.dataSource.undoLastMigration({ transaction: 'each' });
    await db.dataSource.query(
      `INSERT INTO "${PERSISTENCE_SCHEMA}"."replies" ("id", "turn_id", "conversation_id", "tenant_id", "kind",
         "text", "citations", "model", "input_tokens", "output_tokens", "generated_at")
       VALUES ($1, $2, $3, 'tenant-m', 'reply', 'hi', '[]',
         '{"provider":"offline","name":"rules","promptVersion":"sales-assistant-v1"}', 1, 2, now())`,
      [replyId, newId(), newId()],
    );
    const turns: { id: string }[] = await db.dataSource.query(
      `SELECT "id" FROM "${PERSISTENCE_SCHEMA}"."turns" WHERE "id" = $1`,
      [turnId],
    );
    expect(turns).toEqual([{ id: turnId }]);

    expect(await runMigrations(db.dataSource, PERSISTENCE_SCHEMA)).toEqual(reapplied);
    const rows: { prompt_version: string }[] = await db.dataSource.query(
      `SELECT "prompt_version" FROM "${PERSISTENCE_SCHEMA}"."replies" WHERE "id" = $1`,
      [replyId],
    );
    expect(rows).toEqual([{ prompt_version: 'sales-assistant-v1' }]);
  });

  it("backfills the analysed turn's role on stored analyses and their rows; unknown turns stay null", async () => {
    const conversationId = newId();
    const [prospectTurn, repTurn, unknownTurn] = [newId(), newId(), newId()];
    const reapplied = fromMigration('AnalysisRoles1764000008400');
    for (const _ of reapplied) await db.dataSource.undoLastMigration({ transaction: 'each' });
    const t = `"${PERSISTENCE_SCHEMA}"`;
    for (const [id, sequence, role] of [
      [prospectTurn, 1, 'prospect'],
      [repTurn, 2, 'rep'],
    ] as const) {
      await db.dataSource.query(
        `INSERT INTO ${t}."turns" ("id", "conversation_id", "tenant_id", "sequence", "role", "text",
           "received_at", "redacted_text", "word_count", "token_count")
         VALUES ($1, $2, 'tenant-m', $3, $4, 'hi', now(), 'hi', 1, 1)`,
        [id, conversationId, sequence, role],
      );
    }
    for (const turnId of [prospectTurn, repTurn, unknownTurn]) {
      await db.dataSource.query(
        `INSERT INTO ${t}."analyses" ("turn_id", "conversation_id", "tenant_id", "intents", "sentiment_label",
           "sentiment_score", "entities", "objections", "buying_signals", "stage", "model", "completed_at")
         VALUES ($1, $2, 'tenant-m', '[]', 'neutral', 0, '[]', '[]', '[]', 'discovery', '{}', now())`,
        [turnId, conversationId],
      );
      await db.dataSource.query(
        `INSERT INTO ${t}."analysis_intents" ("turn_id", "intent", "conversation_id", "tenant_id", "confidence",
           "occurred_at") VALUES ($1, 'pricing', $2, 'tenant-m', 0.9, now())`,
        [turnId, conversationId],
      );
    }

    expect(await runMigrations(db.dataSource, PERSISTENCE_SCHEMA)).toEqual(reapplied);
    for (const table of ['analyses', 'analysis_intents']) {
      const rows: { turn_id: string; role: string | null }[] = await db.dataSource.query(
        `SELECT "turn_id", "role" FROM ${t}."${table}" WHERE "conversation_id" = $1`,
        [conversationId],
      );
      expect(new Map(rows.map((r) => [r.turn_id, r.role]))).toEqual(
        new Map([
          [prospectTurn, 'prospect'],
          [repTurn, 'rep'],
          [unknownTurn, null],
        ]),
      );
    }
  });

  it('reverts every migration, leaving only the migrations table, then applies them again', async () => {
    expect(await revertAllMigrations(db.dataSource)).toBe(MIGRATION_NAMES.length);
    expect(await tables()).toEqual(['migrations']);

    const applied = await runMigrations(db.dataSource, PERSISTENCE_SCHEMA);
    expect(applied).toEqual(MIGRATION_NAMES);
    expect(MIGRATION_NAMES.slice(0, 5)).toEqual([
      'MessagingTables1764000000000',
      'CreateConversationRecord1764000003000',
      'AddReplyUsage1764000004000',
      'CreateCrmChanges1764000005000',
      'ExtendRecordForAnalytics1764000006000',
    ]);
    expect(await tables()).toEqual(['inbox', 'migrations', 'outbox', ...RECORD_TABLES].sort());
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
