import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The multi-step tool loop (issue 3): a turn's current step, its usage so far and its reply; each round of
 * tool calls (the provider's assistant message, every call with the provider's id); queued turns
 * (double-texting); the stored summary of long conversations.
 */
export class TurnLoopTables1764000102000 implements MigrationInterface {
  readonly name = 'TurnLoopTables1764000102000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "orchestrator"."turns" DROP CONSTRAINT "turns_status_check"`);
    await q.query(`
      ALTER TABLE "orchestrator"."turns"
        ADD CONSTRAINT "turns_status_check"
          CHECK ("status" IN ('queued', 'running', 'pending_tools', 'completed', 'failed')),
        ADD COLUMN "step" integer NOT NULL DEFAULT 0,
        ADD COLUMN "progress" jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN "round_started_at" timestamptz,
        ADD COLUMN "reply_text" text`);
    await q.query(
      `UPDATE "orchestrator"."turns" SET "round_started_at" = "started_at" WHERE "status" = 'pending_tools'`,
    );
    await q.query(`DROP INDEX "orchestrator"."turns_pending_started_idx"`);
    await q.query(
      `CREATE INDEX "turns_pending_round_idx" ON "orchestrator"."turns" ("round_started_at") WHERE "status" = 'pending_tools'`,
    );
    await q.query(
      `CREATE INDEX "turns_active_idx" ON "orchestrator"."turns" ("conversation_id", "sequence")
       WHERE "status" IN ('queued', 'running', 'pending_tools')`,
    );
    await q.query(`
      ALTER TABLE "orchestrator"."tool_calls"
        ADD COLUMN "step" integer NOT NULL DEFAULT 0,
        ADD COLUMN "call_index" integer NOT NULL DEFAULT 0,
        ADD COLUMN "provider_call_id" varchar(256)`);
    await q.query(`
      CREATE TABLE "orchestrator"."turn_rounds" (
        "turn_id" uuid NOT NULL REFERENCES "orchestrator"."turns" ("turn_id") ON DELETE CASCADE,
        "step" integer NOT NULL,
        "assistant_content" jsonb,
        "requested_at" timestamptz NOT NULL,
        PRIMARY KEY ("turn_id", "step")
      )`);
    await q.query(`
      CREATE TABLE "orchestrator"."conversation_summaries" (
        "conversation_id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "covers_up_to_sequence" integer NOT NULL,
        "text" text NOT NULL,
        "updated_at" timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "orchestrator"."conversation_summaries"`);
    await q.query(`DROP TABLE "orchestrator"."turn_rounds"`);
    await q.query(`
      ALTER TABLE "orchestrator"."tool_calls"
        DROP COLUMN "provider_call_id", DROP COLUMN "call_index", DROP COLUMN "step"`);
    await q.query(`DROP INDEX "orchestrator"."turns_active_idx"`);
    await q.query(`DROP INDEX "orchestrator"."turns_pending_round_idx"`);
    await q.query(
      `CREATE INDEX "turns_pending_started_idx" ON "orchestrator"."turns" ("started_at") WHERE "status" = 'pending_tools'`,
    );
    // The earlier schema knows no queued or running turns.
    await q.query(
      `UPDATE "orchestrator"."turns" SET "status" = 'failed' WHERE "status" IN ('queued', 'running')`,
    );
    await q.query(`ALTER TABLE "orchestrator"."turns" DROP CONSTRAINT "turns_status_check"`);
    await q.query(`
      ALTER TABLE "orchestrator"."turns"
        ADD CONSTRAINT "turns_status_check" CHECK ("status" IN ('pending_tools', 'completed', 'failed')),
        DROP COLUMN "reply_text",
        DROP COLUMN "round_started_at",
        DROP COLUMN "progress",
        DROP COLUMN "step"`);
  }
}
