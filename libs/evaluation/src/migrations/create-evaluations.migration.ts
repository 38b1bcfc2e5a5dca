import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One evaluation per reply: `reply_id` is unique, so scoring a redelivered reply stores nothing twice. */
export class CreateEvaluations1764000104000 implements MigrationInterface {
  readonly name = 'CreateEvaluations1764000104000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "evaluator"."evaluations" (
        "evaluation_id" uuid PRIMARY KEY,
        "reply_id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "turn_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "groundedness" double precision NOT NULL,
        "grounded" boolean NOT NULL,
        "citation_validity" double precision NOT NULL,
        "schema_valid" boolean NOT NULL,
        "total_ms" double precision NOT NULL,
        "latency" jsonb NOT NULL,
        "details" jsonb NOT NULL,
        "prompt_version" varchar(128) NOT NULL,
        "model" jsonb NOT NULL,
        "evaluated_at" timestamptz NOT NULL,
        CONSTRAINT "evaluations_reply_id_key" UNIQUE ("reply_id")
      )`);
    await q.query(
      `CREATE INDEX "evaluations_prompt_version_idx" ON "evaluator"."evaluations" ("tenant_id", "prompt_version", "evaluated_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "evaluator"."evaluations"`);
  }
}
