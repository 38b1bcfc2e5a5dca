import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Conversation deletion (issue 5): tombstones, so a late reply of a deleted conversation is not evaluated. */
export class EvaluatorConversationDeletion1764000107500 implements MigrationInterface {
  readonly name = 'EvaluatorConversationDeletion1764000107500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "evaluator"."deleted_conversations" (
        "conversation_id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "reason" varchar(16) NOT NULL CHECK ("reason" IN ('request', 'retention')),
        "deleted_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX "evaluations_conversation_idx" ON "evaluator"."evaluations" ("tenant_id", "conversation_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "evaluator"."evaluations_conversation_idx"`);
    await q.query(`DROP TABLE "evaluator"."deleted_conversations"`);
  }
}
