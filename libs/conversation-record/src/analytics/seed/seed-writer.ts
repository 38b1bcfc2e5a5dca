import type { DataSource, EntityManager } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../../schema';
import { countRows, emptyRowCounts, ExpectedAnalytics, SEED_TABLES, type SeedRowCounts } from './expected';
import {
  checkSeedOptions,
  generateConversation,
  SEED_EVALUATOR,
  SEED_MODEL,
  seedConversationId,
  type SeedConversation,
  type SeedOptions,
} from './generator';

const s = `"${PERSISTENCE_SCHEMA}"`;

/** One column of a bulk insert: its name, its PostgreSQL type and a value per row. */
interface Column {
  readonly name: string;
  readonly type: string;
  readonly values: unknown[];
}

/**
 * `INSERT INTO t (...) SELECT * FROM unnest($1::type[], ...)`: one statement per table and batch, one array
 * parameter per column, whatever the number of rows (no parameter limit, one round trip).
 */
async function bulkInsert(manager: EntityManager, table: string, columns: readonly Column[]): Promise<void> {
  if (columns[0].values.length === 0) return;
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  await manager.query(
    `INSERT INTO ${s}."${table}" (${names}) SELECT * FROM unnest(${arrays})`,
    columns.map((c) => c.values),
  );
}

/** Column builder: `cols.add(name, type)` then `cols.push(row values in order)`. */
class Columns {
  readonly columns: Column[] = [];
  constructor(definition: readonly [string, string][]) {
    for (const [name, type] of definition) this.columns.push({ name, type, values: [] });
  }
  push(...values: unknown[]): void {
    values.forEach((v, i) => this.columns[i].values.push(v));
  }
}

const iso = (d: Date): string => d.toISOString();
const json = (value: unknown): string => JSON.stringify(value);
const MODEL = (promptVersion: string) => ({ ...SEED_MODEL, promptVersion });

/** Inserts the rows of these conversations into every table of the record (in the caller's transaction). */
export async function insertConversations(
  manager: EntityManager,
  conversations: readonly SeedConversation[],
): Promise<void> {
  const conv = new Columns([
    ['id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['status', 'varchar'],
    ['mode', 'varchar'],
    ['prospect', 'jsonb'],
    ['rep_id', 'varchar'],
    ['title', 'varchar'],
    ['stage', 'varchar'],
    ['started_at', 'timestamptz'],
    ['updated_at', 'timestamptz'],
    ['turn_count', 'int'],
    ['crm_contact_id', 'varchar'],
    ['crm_account_id', 'varchar'],
    ['crm_deal_id', 'varchar'],
  ]);
  const turns = new Columns([
    ['id', 'uuid'],
    ['conversation_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['sequence', 'int'],
    ['role', 'varchar'],
    ['text', 'text'],
    ['received_at', 'timestamptz'],
    ['redacted_text', 'text'],
    ['token_count', 'int'],
    ['word_count', 'int'],
    ['suggestion_reply_id', 'uuid'],
    ['suggestion_disposition', 'varchar'],
  ]);
  const analyses = new Columns([
    ['turn_id', 'uuid'],
    ['conversation_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['intents', 'jsonb'],
    ['sentiment_label', 'varchar'],
    ['sentiment_score', 'float8'],
    ['entities', 'jsonb'],
    ['objections', 'jsonb'],
    ['buying_signals', 'jsonb'],
    ['stage', 'varchar'],
    ['model', 'jsonb'],
    ['completed_at', 'timestamptz'],
    ['role', 'varchar'],
  ]);
  const intents = new Columns([
    ['turn_id', 'uuid'],
    ['intent', 'varchar'],
    ['conversation_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['confidence', 'float8'],
    ['occurred_at', 'timestamptz'],
    ['role', 'varchar'],
  ]);
  const entities = new Columns([
    ['turn_id', 'uuid'],
    ['ordinal', 'smallint'],
    ['conversation_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['type', 'varchar'],
    ['text', 'text'],
    ['value', 'text'],
    ['amount', 'numeric'],
    ['currency', 'varchar'],
    ['occurred_at', 'timestamptz'],
    ['role', 'varchar'],
  ]);
  const objections = new Columns([
    ['turn_id', 'uuid'],
    ['ordinal', 'smallint'],
    ['conversation_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['type', 'varchar'],
    ['evidence', 'text'],
    ['handled', 'boolean'],
    ['occurred_at', 'timestamptz'],
    ['role', 'varchar'],
  ]);
  const transitions = new Columns([
    ['conversation_id', 'uuid'],
    ['turn_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['sequence', 'int'],
    ['from_stage', 'varchar'],
    ['to_stage', 'varchar'],
    ['occurred_at', 'timestamptz'],
  ]);
  const replies = new Columns([
    ['id', 'uuid'],
    ['turn_id', 'uuid'],
    ['conversation_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['kind', 'varchar'],
    ['text', 'text'],
    ['citations', 'jsonb'],
    ['model', 'jsonb'],
    ['prompt_version', 'varchar'],
    ['input_tokens', 'int'],
    ['output_tokens', 'int'],
    ['cache_read_tokens', 'int'],
    ['cache_write_tokens', 'int'],
    ['cost_usd', 'numeric'],
    ['model_calls', 'int'],
    ['latency_ms', 'int'],
    ['generated_at', 'timestamptz'],
  ]);
  const evaluations = new Columns([
    ['id', 'uuid'],
    ['reply_id', 'uuid'],
    ['turn_id', 'uuid'],
    ['conversation_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['scores', 'jsonb'],
    ['groundedness', 'numeric'],
    ['latency', 'jsonb'],
    ['prompt_version', 'text'],
    ['evaluator', 'jsonb'],
    ['evaluated_at', 'timestamptz'],
  ]);
  const feedback = new Columns([
    ['id', 'uuid'],
    ['turn_id', 'uuid'],
    ['conversation_id', 'uuid'],
    ['tenant_id', 'varchar'],
    ['thumbs', 'varchar'],
    ['rating', 'smallint'],
    ['comment', 'text'],
    ['submitted_at', 'timestamptz'],
  ]);

  for (const c of conversations) {
    const { id, tenantId } = c;
    conv.push(
      id,
      tenantId,
      'active',
      c.mode,
      json(c.prospect),
      c.repId,
      c.title.slice(0, 200),
      c.stage,
      iso(c.startedAt),
      iso(c.updatedAt),
      c.turns.length,
      c.crmContactId,
      c.crmAccountId,
      c.crmDealId,
    );
    for (const t of c.turns) {
      turns.push(
        t.id,
        id,
        tenantId,
        t.sequence,
        t.role,
        t.text,
        iso(t.receivedAt),
        t.redactedText,
        t.tokenCount,
        t.wordCount,
        t.suggestionReplyId,
        t.suggestionDisposition,
      );
    }
    const promptVersion = c.replies[0]?.promptVersion ?? 'sales-assistant-v1';
    const roles = new Map(c.turns.map((t) => [t.id, t.role]));
    for (const a of c.analyses) {
      const role = roles.get(a.turnId) ?? null;
      analyses.push(
        a.turnId,
        id,
        tenantId,
        json(a.intents),
        a.sentimentLabel,
        a.sentimentHundredths / 100,
        json(a.entities.map((e) => (e.value === null ? { type: e.type, text: e.text } : { ...pick(e) }))),
        json(a.objections.map((o) => ({ type: o.type, evidence: o.evidence }))),
        json(a.buyingSignals),
        a.stage,
        json(MODEL(promptVersion)),
        iso(a.completedAt),
        role,
      );
      for (const i of a.intents)
        intents.push(a.turnId, i.name, id, tenantId, i.confidence, iso(a.completedAt), role);
      a.entities.forEach((e, ordinal) =>
        entities.push(
          a.turnId,
          ordinal,
          id,
          tenantId,
          e.type,
          e.text,
          e.value,
          e.amount === null ? null : e.amount.toFixed(2),
          e.currency,
          iso(a.completedAt),
          role,
        ),
      );
      a.objections.forEach((o, ordinal) =>
        objections.push(
          a.turnId,
          ordinal,
          id,
          tenantId,
          o.type,
          o.evidence,
          o.handled,
          iso(a.completedAt),
          role,
        ),
      );
    }
    for (const t of c.transitions) {
      transitions.push(id, t.turnId, tenantId, t.sequence, t.fromStage, t.toStage, iso(t.occurredAt));
    }
    for (const r of c.replies) {
      replies.push(
        r.id,
        r.turnId,
        id,
        tenantId,
        r.kind,
        r.text,
        json(r.citations),
        json(MODEL(r.promptVersion)),
        r.promptVersion,
        r.inputTokens,
        r.outputTokens,
        r.cacheReadTokens,
        r.cacheWriteTokens,
        r.costUsd.toFixed(6),
        r.modelCalls,
        r.latencyMs,
        iso(r.generatedAt),
      );
    }
    for (const e of c.evaluations) {
      const groundedness = e.groundednessHundredths / 100;
      evaluations.push(
        e.id,
        e.replyId,
        e.turnId,
        id,
        tenantId,
        json({
          groundedness,
          grounded: groundedness >= 0.7,
          citationValidity: e.citationValidity,
          schemaValid: true,
        }),
        groundedness.toFixed(2),
        json({ totalMs: e.latencyMs, stages: { generation: Math.round(e.latencyMs * 0.8) } }),
        e.promptVersion,
        json(SEED_EVALUATOR),
        iso(e.evaluatedAt),
      );
    }
    for (const f of c.feedback) {
      feedback.push(f.id, f.turnId, id, tenantId, f.thumbs, f.rating, f.comment, iso(f.submittedAt));
    }
  }

  await bulkInsert(manager, 'conversations', conv.columns);
  await bulkInsert(manager, 'turns', turns.columns);
  await bulkInsert(manager, 'analyses', analyses.columns);
  await bulkInsert(manager, 'analysis_intents', intents.columns);
  await bulkInsert(manager, 'analysis_entities', entities.columns);
  await bulkInsert(manager, 'analysis_objections', objections.columns);
  await bulkInsert(manager, 'stage_transitions', transitions.columns);
  await bulkInsert(manager, 'replies', replies.columns);
  await bulkInsert(manager, 'evaluations', evaluations.columns);
  await bulkInsert(manager, 'feedback', feedback.columns);
}

const pick = (e: { type: string; text: string; value: string | null }) => ({
  type: e.type,
  text: e.text,
  value: e.value,
});

/** What the tenant's record holds: nothing, exactly this seeded dataset, or other data. */
export type TenantRecordState = 'empty' | 'seeded' | 'other';

export async function tenantRecordState(
  dataSource: DataSource,
  options: SeedOptions,
): Promise<TenantRecordState> {
  const rows: { conversations: number; markers: number }[] = await dataSource.query(
    `SELECT (SELECT count(*) FROM ${s}."conversations" WHERE "tenant_id" = $1)::int AS "conversations",
            (SELECT count(*) FROM ${s}."conversations" WHERE "tenant_id" = $1 AND "id" = ANY($2::uuid[]))::int AS "markers"`,
    [
      options.tenantId,
      [
        seedConversationId(options.tenantId, options.seed, 0),
        seedConversationId(options.tenantId, options.seed, options.conversations - 1),
      ],
    ],
  );
  const { conversations, markers } = rows[0];
  if (conversations === 0) return 'empty';
  const expectedMarkers = options.conversations === 1 ? 1 : 2;
  return conversations === options.conversations && markers === expectedMarkers ? 'seeded' : 'other';
}

/**
 * Deletes every row of the tenant from the record: each table of the schema with a `tenant_id` column (read
 * from the catalogue, so tables added later are covered), except the deletion tombstones and the messaging
 * tables. Returns the number of conversations deleted.
 */
export async function deleteTenantRecord(dataSource: DataSource, tenantId: string): Promise<number> {
  return dataSource.transaction(async (manager) => {
    const tables: { table_name: string }[] = await manager.query(
      `SELECT c."table_name" FROM information_schema.columns c
       JOIN information_schema.tables t ON t."table_schema" = c."table_schema" AND t."table_name" = c."table_name"
       WHERE c."table_schema" = $1 AND c."column_name" = 'tenant_id' AND t."table_type" = 'BASE TABLE'
         AND c."table_name" NOT IN ('deleted_conversations', 'inbox', 'outbox', 'migrations')
       ORDER BY c."table_name"`,
      [PERSISTENCE_SCHEMA],
    );
    let conversations = 0;
    for (const { table_name: name } of tables) {
      const result: [unknown[], number] = await manager.query(
        `DELETE FROM ${s}."${name.replace(/"/g, '""')}" WHERE "tenant_id" = $1`,
        [tenantId],
      );
      if (name === 'conversations') conversations = result[1];
    }
    return conversations;
  });
}

export interface SeedProgress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export interface SeedRunOptions {
  /** Delete the tenant's rows first when it holds other data. */
  readonly replace?: boolean;
  /** Conversations per transaction. Default 2,000. */
  readonly batchSize?: number;
  /** Also accumulate the expected analytics answers (always done when seeding; this keeps them). */
  readonly onProgress?: (progress: SeedProgress) => void;
}

export type SeedOutcome =
  | { readonly status: 'already-seeded' }
  | {
      readonly status: 'seeded';
      readonly replaced: number;
      readonly rows: SeedRowCounts;
      readonly expected: ExpectedAnalytics;
      readonly elapsedMs: number;
    };

/** The tenant already holds data that is not this dataset (and `replace` was not asked for). */
export class TenantHasDataError extends Error {
  constructor(tenantId: string) {
    super(
      `tenant ${tenantId} already has conversations that are not this dataset: pass --replace to delete them first`,
    );
    this.name = 'TenantHasDataError';
  }
}

/**
 * Seeds the dataset into the record: refuses a tenant with other data unless `replace`, does nothing when the
 * tenant already holds exactly this dataset (same seed and size), else inserts it in transactions of
 * `batchSize` conversations, then vacuums and analyses the tables (planner statistics, visibility map).
 */
export async function seedAnalytics(
  dataSource: DataSource,
  options: SeedOptions,
  run: SeedRunOptions = {},
): Promise<SeedOutcome> {
  checkSeedOptions(options);
  const started = Date.now();
  const state = await tenantRecordState(dataSource, options);
  if (state === 'seeded' && !run.replace) return { status: 'already-seeded' };
  let replaced = 0;
  if (state !== 'empty') {
    if (!run.replace) throw new TenantHasDataError(options.tenantId);
    replaced = await deleteTenantRecord(dataSource, options.tenantId);
  }
  const batchSize = run.batchSize ?? 2000;
  const expected = new ExpectedAnalytics();
  const rows = emptyRowCounts();
  for (let start = 0; start < options.conversations; start += batchSize) {
    const batch: SeedConversation[] = [];
    for (let i = start; i < Math.min(options.conversations, start + batchSize); i++) {
      const conversation = generateConversation(options, i);
      expected.add(conversation);
      countRows(conversation, rows);
      batch.push(conversation);
    }
    await dataSource.transaction((manager) => insertConversations(manager, batch));
    run.onProgress?.({
      done: start + batch.length,
      total: options.conversations,
      elapsedMs: Date.now() - started,
    });
  }
  // Statistics for the planner, and the visibility map for index-only scans (VACUUM runs outside a
  // transaction: the DataSource's query does).
  await dataSource.query(`VACUUM (ANALYZE) ${SEED_TABLES.map((t) => `${s}."${t}"`).join(', ')}`);
  return { status: 'seeded', replaced, rows, expected, elapsedMs: Date.now() - started };
}
