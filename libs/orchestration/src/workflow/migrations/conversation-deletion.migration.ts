import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversation deletion (issue 5): the tombstones of deleted conversations (id, tenant, why, when: no
 * content). A turn of a deleted conversation that arrives late is not processed.
 */
export class OrchestratorConversationDeletion1764000107300 implements MigrationInterface {
  readonly name = 'OrchestratorConversationDeletion1764000107300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "orchestrator"."deleted_conversations" (
        "conversation_id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "reason" varchar(16) NOT NULL CHECK ("reason" IN ('request', 'retention')),
        "deleted_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "orchestrator"."deleted_conversations"`);
  }
}
