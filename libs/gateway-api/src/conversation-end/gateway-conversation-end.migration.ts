import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Conversation end (issue 6): when the conversation was ended through the API (null: not ended). */
export class GatewayConversationEnd1764000008310 implements MigrationInterface {
  readonly name = 'GatewayConversationEnd1764000008310';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "gateway"."conversations" ADD COLUMN "ended_at" timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "gateway"."conversations" DROP COLUMN "ended_at"`);
  }
}
