import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * Conversation deletion (issue 5): the tombstones of deleted conversations (their id, tenant, why, who and
 * when: no content), so late events never recreate them; and the fingerprint of the last state snapshot
 * published per conversation, so `conversation.snapshot` goes out only when the state really changed.
 */
export class ConversationDeletion1764000007100 implements MigrationInterface {
  readonly name = 'ConversationDeletion1764000007100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${s}."deleted_conversations" (
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "reason" varchar(16) NOT NULL CHECK ("reason" IN ('request', 'retention')),
        "requested_by" varchar(128),
        "deleted_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "deleted_conversations_pkey" PRIMARY KEY ("conversation_id")
      )`);
    await q.query(`
      CREATE TABLE ${s}."conversation_snapshots" (
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "fingerprint" char(64) NOT NULL,
        "published_at" timestamptz NOT NULL,
        CONSTRAINT "conversation_snapshots_pkey" PRIMARY KEY ("conversation_id")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${s}."conversation_snapshots"`);
    await q.query(`DROP TABLE ${s}."deleted_conversations"`);
  }
}
