import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * CRM changes proposed in conversations (issue 4) and what became of them: one row per proposal, its status
 * following the `crm.change.*` events (proposed or auto_applied, then applied or rejected).
 */
export class CreateCrmChanges1764000005000 implements MigrationInterface {
  readonly name = 'CreateCrmChanges1764000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${s}."crm_changes" (
        "proposal_id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "turn_id" uuid,
        "tenant_id" varchar(128) NOT NULL,
        "entity" varchar(16) NOT NULL,
        "entity_id" uuid NOT NULL,
        "kind" varchar(32) NOT NULL,
        "diff" jsonb NOT NULL,
        "evidence" text,
        "evidence_origin" varchar(16),
        "source" varchar(16),
        "status" varchar(16) NOT NULL,
        "decided_by" varchar(200),
        "reason" text,
        "proposed_at" timestamptz,
        "decided_at" timestamptz,
        "applied_at" timestamptz,
        CONSTRAINT "crm_changes_pkey" PRIMARY KEY ("proposal_id")
      )`);
    await q.query(
      `CREATE INDEX "crm_changes_tenant_conversation_idx" ON ${s}."crm_changes" ("tenant_id", "conversation_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${s}."crm_changes"`);
  }
}
