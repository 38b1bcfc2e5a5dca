import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversation ownership (which tenant may see a conversation) and the turns the gateway accepted (their
 * ids, sequence and idempotency keys). The content of conversations is persistence's, not stored here.
 */
export class CreateGatewayConversations1764000002000 implements MigrationInterface {
  readonly name = 'CreateGatewayConversations1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "gateway"."conversations" (
        "id" uuid PRIMARY KEY,
        "tenant_id" uuid NOT NULL REFERENCES "gateway"."tenants" ("id") ON DELETE CASCADE,
        "mode" varchar(16) NOT NULL CHECK ("mode" IN ('assist', 'autonomous')),
        "prospect" jsonb NOT NULL,
        "turn_count" integer NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX "conversations_tenant_id_idx" ON "gateway"."conversations" ("tenant_id", "created_at")`,
    );
    await q.query(`
      CREATE TABLE "gateway"."turns" (
        "id" uuid PRIMARY KEY,
        "conversation_id" uuid NOT NULL REFERENCES "gateway"."conversations" ("id") ON DELETE CASCADE,
        "tenant_id" uuid NOT NULL,
        "sequence" integer NOT NULL CHECK ("sequence" > 0),
        "idempotency_key" varchar(255),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "turns_conversation_sequence_key" UNIQUE ("conversation_id", "sequence"),
        CONSTRAINT "turns_conversation_idempotency_key" UNIQUE ("conversation_id", "idempotency_key")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."turns"`);
    await q.query(`DROP TABLE "gateway"."conversations"`);
  }
}
