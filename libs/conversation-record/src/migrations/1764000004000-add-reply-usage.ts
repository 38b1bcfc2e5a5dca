import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const replies = `"${PERSISTENCE_SCHEMA}"."replies"`;

/**
 * Token usage, cost and latency of each reply (issue 3: cache-read and cache-write tokens counted apart).
 * Every column is nullable: replies stored before this migration, and producers that do not report a
 * figure, have none.
 */
export class AddReplyUsage1764000004000 implements MigrationInterface {
  readonly name = 'AddReplyUsage1764000004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ${replies}
        ADD COLUMN "cache_read_tokens" integer,
        ADD COLUMN "cache_write_tokens" integer,
        ADD COLUMN "cost_usd" numeric(12,6),
        ADD COLUMN "model_calls" integer,
        ADD COLUMN "latency_ms" integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ${replies}
        DROP COLUMN "latency_ms",
        DROP COLUMN "model_calls",
        DROP COLUMN "cost_usd",
        DROP COLUMN "cache_write_tokens",
        DROP COLUMN "cache_read_tokens"`);
  }
}
