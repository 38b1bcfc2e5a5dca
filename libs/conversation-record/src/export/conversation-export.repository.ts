import type { DataSource, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';
import type {
  ExportConversation,
  ExportEvaluation,
  ExportFeedback,
  ExportReply,
  ExportTurn,
} from './fine-tuning-example';

const t = (name: string): string => `"${PERSISTENCE_SCHEMA}"."${name}"`;

/** The tool-runner's CRM contacts: read, when the same database has them and we may, for their names. */
const CRM_CONTACTS = '"tool_runner"."crm_contacts"';

export interface ConversationExportQuery {
  readonly tenantId?: string;
  /** Conversations started at or after this time. */
  readonly since?: Date;
  /** Conversations started before this time. */
  readonly until?: Date;
  /** Conversations per batch (default 200). */
  readonly batchSize?: number;
}

export const DEFAULT_EXPORT_BATCH_SIZE = 200;

interface ConversationRow {
  id: string;
  tenant_id: string;
  mode: 'assist' | 'autonomous' | null;
  prospect_name: string | null;
  /** `started_at` as PostgreSQL prints it: the keyset cursor keeps its microseconds (a JS Date would not). */
  started_at_key: string;
}

interface Cursor {
  readonly tenantId: string;
  readonly startedAt: string;
  readonly id: string;
}

/** Keys of a batch, as two parallel arrays for `unnest`. */
type BatchKeys = [tenantIds: string[], conversationIds: string[]];

const JOIN_BATCH = (alias: string): string =>
  `JOIN unnest($1::varchar[], $2::uuid[]) AS k(tenant_id, conversation_id)
     ON ${alias}."tenant_id" = k.tenant_id AND ${alias}."conversation_id" = k.conversation_id`;

/**
 * Reads conversations for the fine-tuning export: read-only, in keyset-paginated batches ordered by
 * (tenant, start time, id), which the `conversations_tenant_started_idx` index serves, so memory stays bounded
 * by one batch whatever the number of conversations. Each batch is read in one REPEATABLE READ, READ ONLY
 * transaction (a conversation and its turns, replies, evaluations, feedback and analyses are consistent); the
 * children of a batch come in one query per table, joined on (tenant_id, conversation_id).
 */
export class ConversationExportRepository {
  constructor(private readonly dataSource: DataSource) {}

  async count(query: ConversationExportQuery): Promise<number> {
    const { where, params } = this.filters(query, 1);
    const rows = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${t('conversations')} c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    return rows[0]?.n ?? 0;
  }

  /** The conversations matching the query, batch by batch. */
  async *batches(query: ConversationExportQuery): AsyncGenerator<ExportConversation[]> {
    const size = query.batchSize ?? DEFAULT_EXPORT_BATCH_SIZE;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      let cursor: Cursor | undefined;
      for (;;) {
        await runner.startTransaction('REPEATABLE READ');
        let batch: ExportConversation[];
        let last: ConversationRow | undefined;
        try {
          await runner.query('SET TRANSACTION READ ONLY');
          const rows = await this.page(runner, query, cursor, size);
          last = rows[rows.length - 1];
          batch = rows.length > 0 ? await this.children(runner, rows) : [];
          await runner.commitTransaction();
        } catch (error) {
          await runner.rollbackTransaction();
          throw error;
        }
        if (batch.length > 0) yield batch;
        if (!last || batch.length < size) return;
        cursor = { tenantId: last.tenant_id, startedAt: last.started_at_key, id: last.id };
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * First and last names of the tenant's CRM contacts, when the tool-runner's `crm_contacts` table is in the
   * same database and readable; undefined otherwise (another database, no privilege).
   */
  async crmContactNames(tenantId: string): Promise<string[] | undefined> {
    if (!(await this.crmContactsReadable())) return undefined;
    const rows = await this.dataSource.query<{ first_name: string; last_name: string }[]>(
      `SELECT "first_name", "last_name" FROM ${CRM_CONTACTS} WHERE "tenant_id" = $1`,
      [tenantId],
    );
    return rows.map((r) => `${r.first_name} ${r.last_name}`);
  }

  private readable?: Promise<boolean>;

  crmContactsReadable(): Promise<boolean> {
    this.readable ??= this.dataSource
      .query<{ readable: boolean }[]>(
        `SELECT CASE WHEN to_regclass($1) IS NULL THEN false
                     ELSE has_table_privilege(to_regclass($1), 'SELECT') END AS readable`,
        [CRM_CONTACTS],
      )
      .then(
        (rows) => rows[0]?.readable === true,
        () => false, // e.g. no USAGE on the schema
      );
    return this.readable;
  }

  private filters(
    query: ConversationExportQuery,
    firstParam: number,
  ): { where: string[]; params: (string | Date)[] } {
    const where: string[] = [];
    const params: (string | Date)[] = [];
    const param = (value: string | Date): string => {
      params.push(value);
      return `$${firstParam + params.length - 1}`;
    };
    if (query.tenantId !== undefined) where.push(`c."tenant_id" = ${param(query.tenantId)}`);
    if (query.since !== undefined) where.push(`c."started_at" >= ${param(query.since)}`);
    if (query.until !== undefined) where.push(`c."started_at" < ${param(query.until)}`);
    return { where, params };
  }

  private async page(
    runner: QueryRunner,
    query: ConversationExportQuery,
    cursor: Cursor | undefined,
    size: number,
  ): Promise<ConversationRow[]> {
    const { where, params } = this.filters(query, 1);
    const next = (value: string): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (cursor) {
      where.push(
        query.tenantId !== undefined
          ? `(c."started_at", c."id") > (${next(cursor.startedAt)}::timestamptz, ${next(cursor.id)}::uuid)`
          : `(c."tenant_id", c."started_at", c."id") > (${next(cursor.tenantId)}, ` +
              `${next(cursor.startedAt)}::timestamptz, ${next(cursor.id)}::uuid)`,
      );
    }
    params.push(String(size));
    return (await runner.query(
      `SELECT c."id", c."tenant_id", c."mode", c."prospect"->>'name' AS prospect_name,
              c."started_at"::text AS started_at_key
         FROM ${t('conversations')} c
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY c."tenant_id", c."started_at", c."id"
        LIMIT $${params.length}::int`,
      params,
    )) as ConversationRow[];
  }

  private async children(
    runner: QueryRunner,
    rows: readonly ConversationRow[],
  ): Promise<ExportConversation[]> {
    const keys: BatchKeys = [rows.map((r) => r.tenant_id), rows.map((r) => r.id)];
    const [turns, replies, evaluations, feedback, persons] = [
      (await runner.query(
        `SELECT t."conversation_id", t."id", t."sequence", t."role", t."text"
           FROM ${t('turns')} t ${JOIN_BATCH('t')}
          ORDER BY t."conversation_id", t."sequence"`,
        keys,
      )) as (ExportTurn & { conversation_id: string })[],
      (await runner.query(
        `SELECT r."conversation_id", r."id", r."turn_id" AS "turnId", r."kind", r."text",
                r."model"->>'promptVersion' AS "promptVersion"
           FROM ${t('replies')} r ${JOIN_BATCH('r')}`,
        keys,
      )) as (ExportReply & { conversation_id: string })[],
      (await runner.query(
        `SELECT DISTINCT ON (e."reply_id") e."conversation_id", e."reply_id" AS "replyId",
                e."groundedness"::float8 AS "groundedness", e."prompt_version" AS "promptVersion"
           FROM ${t('evaluations')} e ${JOIN_BATCH('e')}
          ORDER BY e."reply_id", e."evaluated_at" DESC, e."id" DESC`,
        keys,
      )) as (ExportEvaluation & { conversation_id: string })[],
      (await runner.query(
        `SELECT f."conversation_id", f."turn_id" AS "turnId", f."thumbs", f."rating"
           FROM ${t('feedback')} f ${JOIN_BATCH('f')}`,
        keys,
      )) as (ExportFeedback & { conversation_id: string })[],
      (await runner.query(
        `SELECT DISTINCT a."conversation_id", coalesce(nullif(e->>'value', ''), e->>'text') AS name
           FROM ${t('analyses')} a ${JOIN_BATCH('a')}
          CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(a."entities") = 'array' THEN a."entities" ELSE '[]'::jsonb END) e
          WHERE e->>'type' = 'person'`,
        keys,
      )) as { conversation_id: string; name: string | null }[],
    ];
    const by = <T extends { conversation_id: string }>(items: readonly T[]): Map<string, T[]> => {
      const map = new Map<string, T[]>();
      for (const item of items) {
        const list = map.get(item.conversation_id);
        if (list) list.push(item);
        else map.set(item.conversation_id, [item]);
      }
      return map;
    };
    const [turnsOf, repliesOf, evaluationsOf, feedbackOf, personsOf] = [
      by(turns),
      by(replies),
      by(evaluations),
      by(feedback),
      by(persons),
    ];
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      mode: row.mode,
      prospectName: row.prospect_name,
      turns: turnsOf.get(row.id) ?? [],
      replies: repliesOf.get(row.id) ?? [],
      evaluations: evaluationsOf.get(row.id) ?? [],
      feedback: feedbackOf.get(row.id) ?? [],
      personNames: (personsOf.get(row.id) ?? []).flatMap((p) => (p.name ? [p.name] : [])),
    }));
  }
}
