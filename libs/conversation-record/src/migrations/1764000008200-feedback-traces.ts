import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * Satisfaction per prompt version (issue 6): feedback on a whole conversation (`conversation_feedback`, from
 * `conversation.feedback.submitted`; the per-turn `feedback` table keeps its required `turn_id`), the trace id
 * of each turn (`turns.trace_id`, from the `turn.received` envelope's `traceparent`: feedback → turn → trace),
 * and an index to join turn feedback to the replies by turn.
 */
export class FeedbackTraces1764000008200 implements MigrationInterface {
  readonly name = 'FeedbackTraces1764000008200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${s}."turns" ADD "trace_id" varchar(32)`);
    await q.query(`
      CREATE TABLE ${s}."conversation_feedback" (
        "id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "thumbs" varchar(8),
        "rating" smallint,
        "comment" text,
        "submitted_at" timestamptz NOT NULL,
        CONSTRAINT "conversation_feedback_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "conversation_feedback_tenant_conversation_idx" ON ${s}."conversation_feedback" ("tenant_id", "conversation_id")`,
    );
    await q.query(
      `CREATE INDEX "conversation_feedback_tenant_submitted_idx" ON ${s}."conversation_feedback" ("tenant_id", "submitted_at")`,
    );
    await q.query(`CREATE INDEX "feedback_tenant_turn_idx" ON ${s}."feedback" ("tenant_id", "turn_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${s}."feedback_tenant_turn_idx"`);
    await q.query(`DROP TABLE ${s}."conversation_feedback"`);
    await q.query(`ALTER TABLE ${s}."turns" DROP COLUMN "trace_id"`);
  }
}
