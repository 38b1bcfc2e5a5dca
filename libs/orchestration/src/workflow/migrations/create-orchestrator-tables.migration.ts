import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The durable state of a turn's workflow: the turn and each of its tool calls. */
export class CreateOrchestratorTables1764000101000 implements MigrationInterface {
  readonly name = 'CreateOrchestratorTables1764000101000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "orchestrator"."turns" (
        "turn_id" uuid PRIMARY KEY,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "sequence" integer NOT NULL,
        "role" varchar(16) NOT NULL,
        "status" varchar(16) NOT NULL CHECK ("status" IN ('pending_tools', 'completed', 'failed')),
        "context" jsonb NOT NULL,
        "started_at" timestamptz NOT NULL,
        "finished_at" timestamptz
      )`);
    await q.query(
      `CREATE INDEX "turns_conversation_sequence_idx" ON "orchestrator"."turns" ("conversation_id", "sequence")`,
    );
    await q.query(
      `CREATE INDEX "turns_pending_started_idx" ON "orchestrator"."turns" ("started_at") WHERE "status" = 'pending_tools'`,
    );
    await q.query(`
      CREATE TABLE "orchestrator"."tool_calls" (
        "id" uuid PRIMARY KEY,
        "turn_id" uuid NOT NULL REFERENCES "orchestrator"."turns" ("turn_id") ON DELETE CASCADE,
        "tool" varchar(64) NOT NULL,
        "arguments" jsonb NOT NULL,
        "status" varchar(16) NOT NULL CHECK ("status" IN ('requested', 'completed', 'failed')),
        "result" jsonb,
        "error" jsonb,
        "requested_at" timestamptz NOT NULL,
        "finished_at" timestamptz
      )`);
    await q.query(`CREATE INDEX "tool_calls_turn_idx" ON "orchestrator"."tool_calls" ("turn_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "orchestrator"."tool_calls"`);
    await q.query(`DROP TABLE "orchestrator"."turns"`);
  }
}
