import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

export interface PromptVersionsFilter {
  /** Absent: every tenant together (operators' command only; the API is always per tenant). */
  readonly tenantId?: string;
  readonly from: Date;
  readonly to: Date;
  readonly model?: string;
  /** One row per tenant too (with `tenant_id`); only meaningful without `tenantId`. */
  readonly byTenant?: boolean;
}

/** One (prompt version, model) of the comparison, as PostgreSQL sums it (exact integers, as text). */
export interface PromptVersionSums {
  /** The tenant with `byTenant`, else null. */
  readonly tenant_id: string | null;
  readonly prompt_version: string;
  readonly model: string;
  readonly replies: number;
  readonly evaluated: number;
  readonly groundedness_micros: string | null;
  readonly grounded: number;
  readonly citation_micros: string | null;
  readonly policy_flags: number;
  readonly latency_measured: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly input_tokens: string;
  readonly output_tokens: string;
  readonly costed: number;
  readonly cost_micros: string | null;
  readonly turn_feedback: number;
  readonly conversation_feedback: number;
  readonly ratings: number;
  readonly rating_sum: number;
  readonly thumbs_up: number;
  readonly thumbs_down: number;
}

/** Policy flags of an evaluation (`evaluations.policy_flags`, a jsonb array; null when none were reported). */
const flagCount = (column: string): string =>
  `CASE jsonb_typeof(${column}) WHEN 'array' THEN jsonb_array_length(${column}) ELSE 0 END`;

/**
 * The SQL of the prompt-version comparison. The cohort is the tenant's replies generated in the range (index
 * `replies (tenant_id, generated_at, ...)`); per reply its latest evaluation (by evaluation time, then id),
 * the feedback on its turn, and the feedback on its conversation. Averages are computed from exact sums
 * (scores as integer millionths, cost as micro-dollars) so the API's rounding is the only rounding.
 */
@Injectable()
export class PromptVersionsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async tuneTransaction(): Promise<void> {
    await this.uow.manager.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
    await this.uow.manager.query(`SET LOCAL jit = off`);
  }

  async compare(filter: PromptVersionsFilter): Promise<PromptVersionSums[]> {
    const params: unknown[] = [filter.from, filter.to];
    const where = [`r."generated_at" >= $1`, `r."generated_at" < $2`];
    if (filter.tenantId !== undefined) {
      params.push(filter.tenantId);
      where.unshift(`r."tenant_id" = $${params.length}`);
    }
    if (filter.model !== undefined) {
      params.push(filter.model);
      where.push(`r."model"->>'name' = $${params.length}`);
    }
    return this.uow.manager.query(
      `WITH r AS MATERIALIZED (
        SELECT r."id", r."tenant_id", ${filter.byTenant ? 'r."tenant_id"' : 'NULL::varchar'} AS "group_tenant",
               r."turn_id", r."conversation_id",
               coalesce(r."prompt_version", r."model"->>'promptVersion') AS "prompt_version",
               r."model"->>'name' AS "model",
               r."input_tokens", r."output_tokens", r."cost_usd", r."latency_ms"
        FROM ${s}."replies" r
        WHERE ${where.join(' AND ')}
      ),
      ev AS (
        SELECT DISTINCT ON (e."reply_id") e."reply_id", e."groundedness",
               (e."scores"->>'grounded')::boolean AS "grounded",
               (e."scores"->>'citationValidity')::numeric AS "citation_validity", e."policy_flags"
        FROM ${s}."evaluations" e
        WHERE (e."tenant_id", e."reply_id") IN (SELECT "tenant_id", "id" FROM r)
        ORDER BY e."reply_id", e."evaluated_at" DESC, e."id" DESC
      ),
      quality AS (
        SELECT r."group_tenant" AS "tenant_id", r."prompt_version", r."model",
               count(*)::int AS "replies",
               count(ev."reply_id")::int AS "evaluated",
               sum(round(ev."groundedness" * 1000000))::bigint AS "groundedness_micros",
               (count(*) FILTER (WHERE ev."grounded"))::int AS "grounded",
               sum(round(ev."citation_validity" * 1000000))::bigint AS "citation_micros",
               coalesce(sum(${flagCount('ev."policy_flags"')}), 0)::int AS "policy_flags",
               count(r."latency_ms")::int AS "latency_measured",
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r."latency_ms"))::float8 AS "p50_ms",
               round(percentile_cont(0.95) WITHIN GROUP (ORDER BY r."latency_ms"))::float8 AS "p95_ms",
               sum(r."input_tokens")::bigint AS "input_tokens",
               sum(r."output_tokens")::bigint AS "output_tokens",
               count(r."cost_usd")::int AS "costed",
               sum(round(r."cost_usd" * 1000000))::bigint AS "cost_micros"
        FROM r LEFT JOIN ev ON ev."reply_id" = r."id"
        GROUP BY r."group_tenant", r."prompt_version", r."model"
      ),
      feedback AS (
        SELECT r."group_tenant", r."prompt_version", r."model", f."thumbs", f."rating", true AS "on_turn"
        FROM r JOIN ${s}."feedback" f ON f."tenant_id" = r."tenant_id" AND f."turn_id" = r."turn_id"
        UNION ALL
        SELECT p."group_tenant", p."prompt_version", p."model", cf."thumbs", cf."rating", false
        FROM (SELECT DISTINCT "tenant_id", "group_tenant", "conversation_id", "prompt_version", "model" FROM r) p
        JOIN ${s}."conversation_feedback" cf
          ON cf."tenant_id" = p."tenant_id" AND cf."conversation_id" = p."conversation_id"
      ),
      satisfaction AS (
        SELECT "group_tenant", "prompt_version", "model",
               (count(*) FILTER (WHERE "on_turn"))::int AS "turn_feedback",
               (count(*) FILTER (WHERE NOT "on_turn"))::int AS "conversation_feedback",
               count("rating")::int AS "ratings",
               coalesce(sum("rating"), 0)::int AS "rating_sum",
               (count(*) FILTER (WHERE "thumbs" = 'up'))::int AS "thumbs_up",
               (count(*) FILTER (WHERE "thumbs" = 'down'))::int AS "thumbs_down"
        FROM feedback
        GROUP BY "group_tenant", "prompt_version", "model"
      )
      SELECT q.*,
             coalesce(f."turn_feedback", 0) AS "turn_feedback",
             coalesce(f."conversation_feedback", 0) AS "conversation_feedback",
             coalesce(f."ratings", 0) AS "ratings",
             coalesce(f."rating_sum", 0) AS "rating_sum",
             coalesce(f."thumbs_up", 0) AS "thumbs_up",
             coalesce(f."thumbs_down", 0) AS "thumbs_down"
      FROM quality q
      LEFT JOIN satisfaction f ON f."group_tenant" IS NOT DISTINCT FROM q."tenant_id"
        AND f."prompt_version" = q."prompt_version" AND f."model" = q."model"`,
      params,
    );
  }
}
