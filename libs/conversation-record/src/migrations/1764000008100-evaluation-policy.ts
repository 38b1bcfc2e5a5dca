import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * Issue 6, per-reply evaluation: the optional fields of `evaluation.completed` get columns of their own so
 * they can be aggregated in SQL (relevance, policy flags, judge verdict, model, tokens and cost). All nullable:
 * evaluations stored before, or announced by an older evaluator, have none.
 */
export class EvaluationPolicy1764000008100 implements MigrationInterface {
  readonly name = 'EvaluationPolicy1764000008100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ${s}."evaluations"
        ADD COLUMN "relevance" numeric,
        ADD COLUMN "policy_flags" jsonb,
        ADD COLUMN "judge" jsonb,
        ADD COLUMN "model" jsonb,
        ADD COLUMN "input_tokens" integer,
        ADD COLUMN "output_tokens" integer,
        ADD COLUMN "cost_usd" numeric(12,6)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ${s}."evaluations"
        DROP COLUMN "cost_usd", DROP COLUMN "output_tokens", DROP COLUMN "input_tokens", DROP COLUMN "model",
        DROP COLUMN "judge", DROP COLUMN "policy_flags", DROP COLUMN "relevance"`);
  }
}
