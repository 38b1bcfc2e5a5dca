import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversation deletion (issue 5): tombstones of deleted conversations (their late events are dropped); the
 * conversation of each tool execution and of each knowledge document shared in a conversation (so both can
 * be found and removed with it); and proposals whose conversation was deleted keep the decided change as
 * the audit of the CRM, without the conversation (`conversation_id` null, evidence removed).
 */
export class ToolRunnerConversationDeletion1764000227400 implements MigrationInterface {
  readonly name = 'ToolRunnerConversationDeletion1764000227400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "tool_runner"."deleted_conversations" (
        "conversation_id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "reason" varchar(16) NOT NULL CHECK ("reason" IN ('request', 'retention')),
        "deleted_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE "tool_runner"."tool_executions" ADD COLUMN "conversation_id" uuid`);
    await q.query(
      `CREATE INDEX "tool_executions_tenant_conversation_idx"
       ON "tool_runner"."tool_executions" ("tenant_id", "conversation_id") WHERE "conversation_id" IS NOT NULL`,
    );
    await q.query(`ALTER TABLE "tool_runner"."knowledge_documents" ADD COLUMN "conversation_id" uuid`);
    await q.query(
      `CREATE INDEX "knowledge_documents_tenant_conversation_idx"
       ON "tool_runner"."knowledge_documents" ("tenant_id", "conversation_id") WHERE "conversation_id" IS NOT NULL`,
    );
    await q.query(
      `ALTER TABLE "tool_runner"."crm_change_proposals" ALTER COLUMN "conversation_id" DROP NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // The earlier schema cannot hold a proposal without its conversation: those (and their audit) go.
    await q.query(`DELETE FROM "tool_runner"."crm_change_proposals" WHERE "conversation_id" IS NULL`);
    await q.query(
      `ALTER TABLE "tool_runner"."crm_change_proposals" ALTER COLUMN "conversation_id" SET NOT NULL`,
    );
    await q.query(`DROP INDEX "tool_runner"."knowledge_documents_tenant_conversation_idx"`);
    await q.query(`ALTER TABLE "tool_runner"."knowledge_documents" DROP COLUMN "conversation_id"`);
    await q.query(`DROP INDEX "tool_runner"."tool_executions_tenant_conversation_idx"`);
    await q.query(`ALTER TABLE "tool_runner"."tool_executions" DROP COLUMN "conversation_id"`);
    await q.query(`DROP TABLE "tool_runner"."deleted_conversations"`);
  }
}
