import { Injectable } from '@nestjs/common';
import type { ConversationMode, DealStage, ProspectRef } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { PERSISTENCE_SCHEMA } from '../schema';
import {
  FUNNEL_STAGES,
  type ObjectionType,
  type RepBucket,
  type SentimentBucket,
  type SentimentLabel,
} from './analytics.schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * The full-text expression of the GIN index `turns_text_search_idx` (migration 1764000006000). A query must
 * use exactly this expression, or PostgreSQL cannot use the index.
 */
export const TURN_TEXT_VECTOR = `to_tsvector('english', coalesce(t."redacted_text", t."text"))`;

/** Funnel ranks in SQL: `array_position` of a stage in this array (1-based; null for closed_lost). */
const FUNNEL_ARRAY = `ARRAY[${FUNNEL_STAGES.map((stage) => `'${stage}'`).join(', ')}]::varchar[]`;

/** date_trunc units of the buckets (a fixed map: the bucket never reaches the SQL text unchecked). */
const TRUNC: Readonly<Record<RepBucket, string>> = { day: 'day', week: 'week', month: 'month' };

/**
 * `span (lo, hi)`: the time span of a cohort's facts. A fact of a conversation happens at or after its start
 * and at or before its `updated_at` (the conversation's latest event time, which every stored fact moves
 * forward); a day of margin on both sides covers clock skew between services. Bounding the fact tables'
 * (tenant, time) index scans by it reads only the cohort's period, whatever the range.
 */
const cohortSpan = (from: string): string =>
  `span AS MATERIALIZED (
        SELECT ${from}::timestamptz - interval '1 day' AS "lo",
               max(co."updated_at") + interval '1 day' AS "hi"
        FROM cohort co
      )`;

/**
 * How a fact table is restricted to the cohort's facts. For all reps, by the cohort's time span: a range
 * scan of the fact table's (tenant, time) index, aggregated and hash-joined to the cohort. For one rep (a
 * small share of the facts of that span), by the cohort's conversations: index probes on
 * (tenant, conversation_id).
 */
const cohortFacts =
  (filter: RangeFilter) =>
  (alias: string, timeColumn: string): string =>
    filter.repId
      ? `${alias}."conversation_id" IN (SELECT co."id" FROM cohort co)`
      : `${alias}."${timeColumn}" >= (SELECT "lo" FROM span) AND ${alias}."${timeColumn}" <= (SELECT "hi" FROM span)`;

/** Positional SQL parameters, added as they are used. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface RangeFilter {
  readonly tenantId: string;
  readonly from: Date;
  readonly to: Date;
  readonly repId?: string;
}

export interface SearchFilter {
  readonly tenantId: string;
  readonly stage?: DealStage;
  readonly intent?: string;
  readonly objection?: ObjectionType;
  readonly sentiment?: SentimentLabel;
  readonly repId?: string;
  readonly mode?: ConversationMode;
  readonly from?: Date;
  readonly to?: Date;
  readonly q?: string;
  /** Keyset: rows strictly after this position in (started_at DESC, id DESC). */
  readonly after?: { readonly startedAt: string; readonly id: string };
  readonly limit: number;
}

export interface SearchRow {
  id: string;
  tenant_id: string;
  status: 'pending' | 'active';
  mode: ConversationMode | null;
  prospect: ProspectRef | null;
  rep_id: string | null;
  title: string | null;
  stage: DealStage | null;
  started_at: Date;
  updated_at: Date;
  turn_count: number;
  /** started_at in UTC with microseconds, for the cursor. */
  cursor_at: string;
  match_turn_id: string | null;
  match_sequence: number | null;
  match_snippet: string | null;
}

export interface CountRow {
  key: string;
  count: number;
  conversations: number;
  handled: number;
}

export interface FunnelRow {
  conversations: number;
  reached: number[];
  closed_lost: number;
}

export interface SentimentRow {
  bucket: string;
  analyses: number;
  /** Sum of the scores in millionths (bigint, as text). */
  score_micros: string;
  positive: number;
  neutral: number;
  negative: number;
}

export interface RepRow {
  rep_id: string | null;
  bucket: string;
  conversations: number;
  stage_advances: number;
  objections_met: number;
  objections_handled: number;
  ratings: number;
  rating_sum: number;
  thumbs_up: number;
  thumbs_down: number;
  suggestions: number;
  accepted: number;
  edited: number;
  rep_words: number;
  total_words: number;
}

/**
 * The SQL of the analytics and search API. Every statement is scoped by tenant and starts from an index whose
 * leading columns are `tenant_id` and a time (or the conversation); the rep filter joins the conversation by
 * its primary key. Callers run these inside a read-only transaction (`AnalyticsReader`).
 */
@Injectable()
export class AnalyticsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Planner settings for the current transaction: JIT compiles cost more than these queries take. */
  async tuneTransaction(): Promise<void> {
    await this.uow.manager.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
    await this.uow.manager.query(`SET LOCAL jit = off`);
    await this.uow.manager.query(`SET LOCAL work_mem = '32MB'`);
  }

  async searchConversations(filter: SearchFilter): Promise<SearchRow[]> {
    const p = new Params();
    const tenant = p.add(filter.tenantId);
    const where = [`c."tenant_id" = ${tenant}`];
    if (filter.stage) where.push(`c."stage" = ${p.add(filter.stage)}`);
    if (filter.mode) where.push(`c."mode" = ${p.add(filter.mode)}`);
    if (filter.repId) where.push(`c."rep_id" = ${p.add(filter.repId)}`);
    if (filter.from) where.push(`c."started_at" >= ${p.add(filter.from)}`);
    if (filter.to) where.push(`c."started_at" < ${p.add(filter.to)}`);
    if (filter.intent) {
      where.push(`EXISTS (SELECT 1 FROM ${s}."analysis_intents" i
        WHERE i."tenant_id" = ${tenant} AND i."conversation_id" = c."id" AND i."role" = 'prospect'
          AND i."intent" = ${p.add(filter.intent)})`);
    }
    if (filter.objection) {
      where.push(`EXISTS (SELECT 1 FROM ${s}."analysis_objections" o
        WHERE o."tenant_id" = ${tenant} AND o."conversation_id" = c."id" AND o."role" = 'prospect'
          AND o."type" = ${p.add(filter.objection)})`);
    }
    if (filter.sentiment) {
      where.push(`EXISTS (SELECT 1 FROM ${s}."analyses" a
        WHERE a."tenant_id" = ${tenant} AND a."conversation_id" = c."id" AND a."role" = 'prospect'
          AND a."sentiment_label" = ${p.add(filter.sentiment)})`);
    }
    let query: string | undefined;
    if (filter.q) {
      query = `websearch_to_tsquery('english', ${p.add(filter.q)})`;
      where.push(`EXISTS (SELECT 1 FROM ${s}."turns" t
        WHERE t."tenant_id" = ${tenant} AND t."conversation_id" = c."id" AND ${TURN_TEXT_VECTOR} @@ ${query})`);
    }
    if (filter.after) {
      where.push(`(c."started_at", c."id") <
        (${p.add(filter.after.startedAt)}::timestamp AT TIME ZONE 'UTC', ${p.add(filter.after.id)}::uuid)`);
    }
    const page = `
      SELECT c."id", c."tenant_id", c."status", c."mode", c."prospect", c."rep_id", c."title", c."stage",
             c."started_at", c."updated_at", c."turn_count",
             to_char(c."started_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS "cursor_at"
      FROM ${s}."conversations" c
      WHERE ${where.join('\n        AND ')}
      ORDER BY c."started_at" DESC, c."id" DESC
      LIMIT ${p.add(filter.limit)}`;
    // The snippet: the first matching turn of each conversation of the page (at most `limit` headlines).
    const sql = query
      ? `SELECT page.*, m."turn_id" AS "match_turn_id", m."sequence" AS "match_sequence",
                m."snippet" AS "match_snippet"
         FROM (${page}) page
         LEFT JOIN LATERAL (
           SELECT t."id" AS "turn_id", t."sequence",
                  ts_headline('english', coalesce(t."redacted_text", t."text"), ${query},
                              'StartSel=«, StopSel=», MaxWords=30, MinWords=10, MaxFragments=1') AS "snippet"
           FROM ${s}."turns" t
           WHERE t."tenant_id" = ${tenant} AND t."conversation_id" = page."id" AND ${TURN_TEXT_VECTOR} @@ ${query}
           ORDER BY t."sequence"
           LIMIT 1
         ) m ON true
         ORDER BY page."started_at" DESC, page."id" DESC`
      : `SELECT page.*, NULL::uuid AS "match_turn_id", NULL::int AS "match_sequence",
                NULL::text AS "match_snippet"
         FROM (${page}) page`;
    return this.uow.manager.query(sql, p.values);
  }

  /**
   * Per intent: analysed turns with it (`count`) and distinct conversations, by analysis time. Two hash
   * aggregations (intent and conversation, then intent) instead of `count(DISTINCT ...)`, which sorts; the
   * covering index `analysis_intents_tenant_occurred_intent_idx` serves it from the index alone.
   */
  async intentCounts(filter: RangeFilter): Promise<CountRow[]> {
    const p = new Params();
    const sql = `
      SELECT x."intent" AS "key", sum(x."n")::int AS "count", count(*)::int AS "conversations", 0 AS "handled"
      FROM (
        SELECT i."intent", i."conversation_id", count(*) AS "n"
        FROM ${s}."analysis_intents" i
        ${this.repJoin('i', filter, p)}
        WHERE ${this.factRange('i', 'occurred_at', filter, p)} AND i."role" = 'prospect'
        GROUP BY i."intent", i."conversation_id"
      ) x
      GROUP BY x."intent"`;
    return this.uow.manager.query(sql, p.values);
  }

  /** Per objection type: objections raised (by analysis time) and how many of them were handled. */
  async objectionCounts(filter: RangeFilter): Promise<CountRow[]> {
    const p = new Params();
    const sql = `
      SELECT o."type" AS "key", count(*)::int AS "count",
             count(DISTINCT o."conversation_id")::int AS "conversations",
             count(*) FILTER (WHERE o."handled")::int AS "handled"
      FROM ${s}."analysis_objections" o
      ${this.repJoin('o', filter, p)}
      WHERE ${this.factRange('o', 'occurred_at', filter, p)} AND o."role" = 'prospect'
      GROUP BY o."type"`;
    return this.uow.manager.query(sql, p.values);
  }

  /**
   * The funnel of the conversations started in the range: a conversation reached a stage when its current
   * stage, or the `to_stage` of one of its transitions, is that stage or a later one. The transitions are
   * aggregated per conversation (see `cohortFacts`) and joined to the cohort.
   */
  async funnel(filter: RangeFilter): Promise<FunnelRow> {
    const p = new Params();
    const tenant = p.add(filter.tenantId);
    const from = p.add(filter.from);
    const to = p.add(filter.to);
    const rep = filter.repId ? `AND c."rep_id" = ${p.add(filter.repId)}` : '';
    const ofCohort = cohortFacts(filter);
    const reached = FUNNEL_STAGES.map((_, i) => `count(*) FILTER (WHERE r."rank" >= ${i + 1})::int`).join(
      ', ',
    );
    const sql = `
      WITH cohort AS MATERIALIZED (
        SELECT c."id", c."stage", c."updated_at" FROM ${s}."conversations" c
        WHERE c."tenant_id" = ${tenant} AND c."started_at" >= ${from} AND c."started_at" < ${to} ${rep}
      ),
      ${cohortSpan(from)},
      moved AS (
        SELECT t."conversation_id",
               max(array_position(${FUNNEL_ARRAY}, t."to_stage")) AS "rank",
               bool_or(t."to_stage" = 'closed_lost') AS "lost"
        FROM ${s}."stage_transitions" t
        WHERE t."tenant_id" = ${tenant} AND ${ofCohort('t', 'occurred_at')}
        GROUP BY t."conversation_id"
      ),
      r AS (
        SELECT greatest(array_position(${FUNNEL_ARRAY}, co."stage"), m."rank") AS "rank",
               (co."stage" = 'closed_lost' OR coalesce(m."lost", false)) AS "lost"
        FROM cohort co LEFT JOIN moved m ON m."conversation_id" = co."id"
      )
      SELECT count(*)::int AS "conversations", ARRAY[${reached}] AS "reached",
             count(*) FILTER (WHERE r."lost")::int AS "closed_lost"
      FROM r`;
    const rows: FunnelRow[] = await this.uow.manager.query(sql, p.values);
    return rows[0];
  }

  /**
   * Sentiment of the turns analysed in the range, per UTC day or week (Monday). One index range scan per
   * bucket (a lateral join over the buckets' series) aggregates without sorting or hashing the analyses;
   * scores are summed exactly as integer millionths (the caller rounds the average). The covering index
   * `analyses_tenant_completed_sentiment_idx` spares reading the wide analysis rows.
   */
  async sentimentTrend(filter: RangeFilter, bucket: SentimentBucket): Promise<SentimentRow[]> {
    const p = new Params();
    const tenant = p.add(filter.tenantId);
    const from = `${p.add(filter.from)}::timestamptz`;
    const to = `${p.add(filter.to)}::timestamptz`;
    const step = `interval '1 ${TRUNC[bucket]}'`;
    const sql = `
      SELECT to_char(b."start", 'YYYY-MM-DD') AS "bucket", x."analyses", x."score_micros",
             x."positive", x."neutral", x."negative"
      FROM generate_series(
             date_trunc('${TRUNC[bucket]}', ${from} AT TIME ZONE 'UTC'),
             (${to} AT TIME ZONE 'UTC') - interval '1 microsecond',
             ${step}
           ) AS b("start")
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS "analyses",
               coalesce(sum((a."sentiment_score" * 1000000)::bigint), 0)::text AS "score_micros",
               count(*) FILTER (WHERE a."sentiment_label" = 'positive')::int AS "positive",
               count(*) FILTER (WHERE a."sentiment_label" = 'neutral')::int AS "neutral",
               count(*) FILTER (WHERE a."sentiment_label" = 'negative')::int AS "negative"
        FROM ${s}."analyses" a
        ${this.repJoin('a', filter, p)}
        WHERE a."tenant_id" = ${tenant}
          AND a."completed_at" >= greatest(${from}, b."start" AT TIME ZONE 'UTC')
          AND a."completed_at" < least(${to}, (b."start" + ${step}) AT TIME ZONE 'UTC')
          AND a."role" = 'prospect'
      ) x
      WHERE x."analyses" > 0
      ORDER BY b."start"`;
    return this.uow.manager.query(sql, p.values);
  }

  /**
   * The rep table: the conversations each rep started in each period, and what happened in them (stage
   * advances, objections, feedback, suggestions and how they were used, words said in assist mode). Each fact
   * table is restricted to the cohort's facts (see `cohortFacts`), aggregated per conversation and joined to
   * the cohort.
   */
  async repProgress(filter: RangeFilter, bucket: RepBucket): Promise<RepRow[]> {
    const p = new Params();
    const tenant = p.add(filter.tenantId);
    const from = p.add(filter.from);
    const to = p.add(filter.to);
    const rep = filter.repId ? `AND c."rep_id" = ${p.add(filter.repId)}` : '';
    const ofCohort = cohortFacts(filter);
    const sql = `
      WITH cohort AS MATERIALIZED (
        SELECT c."id", c."rep_id", c."mode", c."updated_at",
               date_trunc('${TRUNC[bucket]}', c."started_at" AT TIME ZONE 'UTC') AS "bucket"
        FROM ${s}."conversations" c
        WHERE c."tenant_id" = ${tenant} AND c."started_at" >= ${from} AND c."started_at" < ${to} ${rep}
      ),
      ${cohortSpan(from)},
      advances AS (
        SELECT t."conversation_id", count(*) AS "n"
        FROM ${s}."stage_transitions" t
        WHERE t."tenant_id" = ${tenant} AND ${ofCohort('t', 'occurred_at')}
          AND array_position(${FUNNEL_ARRAY}, t."to_stage") > array_position(${FUNNEL_ARRAY}, t."from_stage")
        GROUP BY 1
      ),
      objections AS (
        SELECT o."conversation_id", count(*) AS "met", count(*) FILTER (WHERE o."handled") AS "handled"
        FROM ${s}."analysis_objections" o
        WHERE o."tenant_id" = ${tenant} AND ${ofCohort('o', 'occurred_at')} AND o."role" = 'prospect'
        GROUP BY 1
      ),
      feedback AS (
        SELECT f."conversation_id", count(f."rating") AS "ratings", coalesce(sum(f."rating"), 0) AS "rating_sum",
               count(*) FILTER (WHERE f."thumbs" = 'up') AS "up",
               count(*) FILTER (WHERE f."thumbs" = 'down') AS "down"
        FROM ${s}."feedback" f
        WHERE f."tenant_id" = ${tenant} AND ${ofCohort('f', 'submitted_at')}
        GROUP BY 1
      ),
      suggestions AS (
        SELECT r."conversation_id", count(*) AS "n"
        FROM ${s}."replies" r
        WHERE r."tenant_id" = ${tenant} AND ${ofCohort('r', 'generated_at')}
          AND r."kind" = 'suggestion'
        GROUP BY 1
      ),
      words AS (
        SELECT t."conversation_id",
               count(*) FILTER (WHERE t."suggestion_disposition" = 'accepted') AS "accepted",
               count(*) FILTER (WHERE t."suggestion_disposition" = 'edited') AS "edited",
               coalesce(sum(t."word_count") FILTER (WHERE t."role" = 'rep'), 0) AS "rep_words",
               coalesce(sum(t."word_count"), 0) AS "total_words"
        FROM ${s}."turns" t
        WHERE t."tenant_id" = ${tenant} AND ${ofCohort('t', 'received_at')}
        GROUP BY 1
      )
      SELECT co."rep_id", to_char(co."bucket", 'YYYY-MM-DD') AS "bucket",
             count(*)::int AS "conversations",
             coalesce(sum(a."n"), 0)::int AS "stage_advances",
             coalesce(sum(o."met"), 0)::int AS "objections_met",
             coalesce(sum(o."handled"), 0)::int AS "objections_handled",
             coalesce(sum(f."ratings"), 0)::int AS "ratings",
             coalesce(sum(f."rating_sum"), 0)::int AS "rating_sum",
             coalesce(sum(f."up"), 0)::int AS "thumbs_up",
             coalesce(sum(f."down"), 0)::int AS "thumbs_down",
             coalesce(sum(sg."n"), 0)::int AS "suggestions",
             coalesce(sum(w."accepted"), 0)::int AS "accepted",
             coalesce(sum(w."edited"), 0)::int AS "edited",
             coalesce(sum(w."rep_words") FILTER (WHERE co."mode" = 'assist'), 0)::int AS "rep_words",
             coalesce(sum(w."total_words") FILTER (WHERE co."mode" = 'assist'), 0)::int AS "total_words"
      FROM cohort co
      LEFT JOIN advances a ON a."conversation_id" = co."id"
      LEFT JOIN objections o ON o."conversation_id" = co."id"
      LEFT JOIN feedback f ON f."conversation_id" = co."id"
      LEFT JOIN suggestions sg ON sg."conversation_id" = co."id"
      LEFT JOIN words w ON w."conversation_id" = co."id"
      GROUP BY co."rep_id", co."bucket"`;
    return this.uow.manager.query(sql, p.values);
  }

  /** The conversation join of the rep filter (by primary key, same tenant). */
  private repJoin(alias: string, filter: RangeFilter, p: Params): string {
    if (!filter.repId) return '';
    return `JOIN ${s}."conversations" c ON c."id" = ${alias}."conversation_id" AND c."tenant_id" = ${alias}."tenant_id"
              AND c."rep_id" = ${p.add(filter.repId)}`;
  }

  private factRange(alias: string, column: string, filter: RangeFilter, p: Params): string {
    return `${alias}."tenant_id" = ${p.add(filter.tenantId)} AND ${alias}."${column}" >= ${p.add(filter.from)}
        AND ${alias}."${column}" < ${p.add(filter.to)}`;
  }
}
