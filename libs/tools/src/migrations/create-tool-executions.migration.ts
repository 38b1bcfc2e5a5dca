import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit trail of tool calls; its primary key (the toolCallId) makes a redelivered call run once. */
export class CreateToolExecutions1764000200000 implements MigrationInterface {
  readonly name = 'CreateToolExecutions1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "tool_runner"."tool_executions" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "tool" varchar(64) NOT NULL,
        "arguments" jsonb NOT NULL,
        "status" varchar(16) NOT NULL CHECK ("status" IN ('running', 'completed', 'failed')),
        "result" jsonb,
        "error" jsonb,
        "duration_ms" integer CHECK ("duration_ms" >= 0),
        "started_at" timestamptz NOT NULL,
        "finished_at" timestamptz
      )`);
    await q.query(
      `CREATE INDEX "tool_executions_tenant_started_idx"
       ON "tool_runner"."tool_executions" ("tenant_id", "started_at" DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "tool_runner"."tool_executions"`);
  }
}
