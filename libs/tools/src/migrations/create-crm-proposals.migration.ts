import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM writes as proposals: deal stage history and tasks (new CRM records), the proposals with their diff and
 * evidence, the audit log of every proposal, decision and application, the per-tenant auto-approve policy,
 * and the conversation turns the tool-runner keeps to verify evidence and resolve the prospect.
 */
export class CreateCrmProposals1764000210000 implements MigrationInterface {
  readonly name = 'CreateCrmProposals1764000210000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "tool_runner"."crm_deal_stage_history" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "deal_id" uuid NOT NULL,
        "from_stage" varchar(32),
        "to_stage" varchar(32) NOT NULL,
        "proposal_id" uuid,
        "changed_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "crm_deal_stage_history_deal_fk" FOREIGN KEY ("tenant_id", "deal_id")
          REFERENCES "tool_runner"."crm_deals" ("tenant_id", "id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "crm_deal_stage_history_deal_idx"
       ON "tool_runner"."crm_deal_stage_history" ("tenant_id", "deal_id", "changed_at")`,
    );

    await q.query(`
      CREATE TABLE "tool_runner"."crm_tasks" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "account_id" uuid NOT NULL,
        "contact_id" uuid,
        "deal_id" uuid,
        "subject" varchar(300) NOT NULL,
        "due_date" date,
        "status" varchar(16) NOT NULL DEFAULT 'open' CHECK ("status" IN ('open', 'done')),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "crm_tasks_account_fk" FOREIGN KEY ("tenant_id", "account_id")
          REFERENCES "tool_runner"."crm_accounts" ("tenant_id", "id") ON DELETE CASCADE,
        CONSTRAINT "crm_tasks_contact_fk" FOREIGN KEY ("tenant_id", "contact_id")
          REFERENCES "tool_runner"."crm_contacts" ("tenant_id", "id"),
        CONSTRAINT "crm_tasks_deal_fk" FOREIGN KEY ("tenant_id", "deal_id")
          REFERENCES "tool_runner"."crm_deals" ("tenant_id", "id")
      )`);
    await q.query(
      `CREATE INDEX "crm_tasks_tenant_account_idx" ON "tool_runner"."crm_tasks" ("tenant_id", "account_id")`,
    );

    await q.query(`
      CREATE TABLE "tool_runner"."crm_change_proposals" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "conversation_id" uuid NOT NULL,
        "turn_id" uuid,
        "entity" varchar(16) NOT NULL CHECK ("entity" IN ('deal', 'contact', 'account', 'task', 'activity')),
        "entity_id" uuid NOT NULL,
        "kind" varchar(32) NOT NULL
          CHECK ("kind" IN ('update_deal', 'log_activity', 'create_task', 'update_contact')),
        "diff" jsonb NOT NULL,
        "evidence" text NOT NULL,
        "evidence_origin" varchar(16) NOT NULL CHECK ("evidence_origin" IN ('prospect', 'rep', 'unverified')),
        "source" varchar(16) NOT NULL CHECK ("source" IN ('model_tool', 'analysis')),
        "status" varchar(16) NOT NULL
          CHECK ("status" IN ('proposed', 'approved', 'rejected', 'applied', 'auto_applied')),
        "decided_by" varchar(200),
        "decided_at" timestamptz,
        "applied_at" timestamptz,
        "reason" text,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX "crm_change_proposals_tenant_status_idx"
       ON "tool_runner"."crm_change_proposals" ("tenant_id", "status", "created_at")`,
    );
    await q.query(
      `CREATE INDEX "crm_change_proposals_tenant_conversation_idx"
       ON "tool_runner"."crm_change_proposals" ("tenant_id", "conversation_id", "created_at")`,
    );

    await q.query(`
      CREATE TABLE "tool_runner"."crm_audit_log" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "proposal_id" uuid NOT NULL REFERENCES "tool_runner"."crm_change_proposals" ("id") ON DELETE CASCADE,
        "action" varchar(16) NOT NULL
          CHECK ("action" IN ('proposed', 'approved', 'auto_approved', 'rejected', 'applied')),
        "actor" varchar(200) NOT NULL,
        "details" jsonb,
        "occurred_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX "crm_audit_log_proposal_idx" ON "tool_runner"."crm_audit_log" ("proposal_id", "occurred_at")`,
    );

    await q.query(`
      CREATE TABLE "tool_runner"."crm_auto_approve_policies" (
        "tenant_id" varchar(128) PRIMARY KEY,
        "enabled" boolean NOT NULL DEFAULT true,
        "allowed_kinds" text[] NOT NULL DEFAULT '{}',
        "allowed_fields" text[] NOT NULL DEFAULT '{}',
        "max_amount_change_pct" numeric(6, 2),
        "max_stage_advance" integer CHECK ("max_stage_advance" >= 0),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE "tool_runner"."crm_conversation_turns" (
        "turn_id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "conversation_id" uuid NOT NULL,
        "sequence" integer NOT NULL,
        "role" varchar(16) NOT NULL,
        "text" text NOT NULL,
        "prospect" jsonb NOT NULL,
        "received_at" timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "crm_conversation_turns_conversation_idx"
       ON "tool_runner"."crm_conversation_turns" ("tenant_id", "conversation_id", "sequence")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "tool_runner"."crm_conversation_turns"`);
    await q.query(`DROP TABLE "tool_runner"."crm_auto_approve_policies"`);
    await q.query(`DROP TABLE "tool_runner"."crm_audit_log"`);
    await q.query(`DROP TABLE "tool_runner"."crm_change_proposals"`);
    await q.query(`DROP TABLE "tool_runner"."crm_tasks"`);
    await q.query(`DROP TABLE "tool_runner"."crm_deal_stage_history"`);
  }
}
