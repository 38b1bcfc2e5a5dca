import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversation deletion and retention (issue 5): the tombstones of deleted conversations (id, tenant, why,
 * who, when: no content), so a deleted conversation answers 410 and is never reused; and the tenant's
 * retention period (days; null: kept until deleted).
 */
export class GatewayConversationDeletion1764000007200 implements MigrationInterface {
  readonly name = 'GatewayConversationDeletion1764000007200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "gateway"."deleted_conversations" (
        "conversation_id" uuid PRIMARY KEY,
        "tenant_id" uuid NOT NULL REFERENCES "gateway"."tenants" ("id") ON DELETE CASCADE,
        "reason" varchar(16) NOT NULL CHECK ("reason" IN ('request', 'retention')),
        "requested_by" varchar(128),
        "deleted_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX "deleted_conversations_tenant_idx" ON "gateway"."deleted_conversations" ("tenant_id", "deleted_at")`,
    );
    await q.query(`
      ALTER TABLE "gateway"."tenants" ADD COLUMN "retention_days" integer
        CONSTRAINT "tenants_retention_days_check" CHECK ("retention_days" BETWEEN 1 AND 3650)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "gateway"."tenants" DROP COLUMN "retention_days"`);
    await q.query(`DROP TABLE "gateway"."deleted_conversations"`);
  }
}
