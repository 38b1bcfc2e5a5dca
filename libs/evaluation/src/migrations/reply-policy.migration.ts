import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 6, per-reply evaluation: the turns the evaluator needs to judge relevance, PII leaks and injection in
 * the prospect's input (raw text from the restricted topic; deleted with the conversation), the competitors the
 * analyses found in the conversation (disparagement check), and the new
 * evaluation fields (relevance, policy flags, judge verdict, usage).
 */
export class EvaluatorReplyPolicy1764000108200 implements MigrationInterface {
  readonly name = 'EvaluatorReplyPolicy1764000108200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "evaluator"."turns" (
        "turn_id" uuid PRIMARY KEY,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "sequence" integer NOT NULL,
        "role" varchar(16) NOT NULL,
        "text" text NOT NULL,
        "received_at" timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "turns_conversation_idx" ON "evaluator"."turns" ("conversation_id", "sequence")`,
    );
    await q.query(`
      CREATE TABLE "evaluator"."competitor_mentions" (
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "name" varchar(200) NOT NULL,
        PRIMARY KEY ("conversation_id", "name")
      )`);
    await q.query(`
      ALTER TABLE "evaluator"."evaluations"
        ADD COLUMN "relevance" double precision,
        ADD COLUMN "policy_flags" jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN "judge" jsonb,
        ADD COLUMN "usage" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "evaluator"."evaluations"
        DROP COLUMN "usage", DROP COLUMN "judge", DROP COLUMN "policy_flags", DROP COLUMN "relevance"`);
    await q.query(`DROP TABLE "evaluator"."competitor_mentions"`);
    await q.query(`DROP TABLE "evaluator"."turns"`);
  }
}
