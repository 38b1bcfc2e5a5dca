import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversation-level evaluation (issue 6): what the evaluator keeps of each conversation to evaluate it when
 * it ends or goes idle. No text: roles and word counts of turns, stages/sentiments/objection types of
 * analyses; the conversation's evaluations (unique per evaluation id, so a redelivery publishes nothing).
 */
export class EvaluatorConversationFacts1764000108600 implements MigrationInterface {
  readonly name = 'EvaluatorConversationFacts1764000108600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "evaluator"."conversation_facts" (
        "conversation_id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "mode" varchar(16) CHECK ("mode" IN ('assist', 'autonomous')),
        "last_turn_id" uuid,
        "last_turn_sequence" integer,
        "last_turn_at" timestamptz,
        "ended_at" timestamptz,
        "evaluated_turn_id" uuid,
        "evaluated_at" timestamptz,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // The idle sweep: conversations whose last turn is old enough and not evaluated since.
    await q.query(
      `CREATE INDEX "conversation_facts_idle_idx" ON "evaluator"."conversation_facts" ("last_turn_at")
       WHERE "last_turn_id" IS DISTINCT FROM "evaluated_turn_id"`,
    );
    await q.query(`
      CREATE TABLE "evaluator"."conversation_turn_facts" (
        "turn_id" uuid PRIMARY KEY,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "sequence" integer NOT NULL,
        "role" varchar(16) NOT NULL CHECK ("role" IN ('prospect', 'rep')),
        "word_count" integer NOT NULL CHECK ("word_count" >= 0),
        "received_at" timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "conversation_turn_facts_conversation_idx" ON "evaluator"."conversation_turn_facts" ("conversation_id", "sequence")`,
    );
    await q.query(`
      CREATE TABLE "evaluator"."conversation_analysis_facts" (
        "turn_id" uuid PRIMARY KEY,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "stage" varchar(32) NOT NULL,
        "sentiment" varchar(16) NOT NULL,
        "objection_types" jsonb NOT NULL,
        "completed_at" timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "conversation_analysis_facts_conversation_idx" ON "evaluator"."conversation_analysis_facts" ("conversation_id")`,
    );
    await q.query(`
      CREATE TABLE "evaluator"."conversation_evaluations" (
        "evaluation_id" uuid PRIMARY KEY,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "trigger" varchar(16) NOT NULL CHECK ("trigger" IN ('ended', 'idle')),
        "last_turn_id" uuid,
        "result" jsonb NOT NULL,
        "evaluated_at" timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "conversation_evaluations_conversation_idx" ON "evaluator"."conversation_evaluations" ("tenant_id", "conversation_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "evaluator"."conversation_evaluations"`);
    await q.query(`DROP TABLE "evaluator"."conversation_analysis_facts"`);
    await q.query(`DROP TABLE "evaluator"."conversation_turn_facts"`);
    await q.query(`DROP TABLE "evaluator"."conversation_facts"`);
  }
}
