import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The built-in CRM. Every row carries its tenant; references between tables include the tenant
 * (composite foreign keys on (tenant_id, id)), so a row can never point at another tenant's data.
 * The stage list is frozen here as it was when this migration was written (DealStage in contracts).
 */
export class CreateCrm1764000201000 implements MigrationInterface {
  readonly name = 'CreateCrm1764000201000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "tool_runner"."crm_accounts" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "name" varchar(200) NOT NULL,
        "domain" varchar(255),
        "industry" varchar(100),
        "employee_count" integer CHECK ("employee_count" >= 0),
        "country" varchar(2),
        "description" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "crm_accounts_tenant_id_key" UNIQUE ("tenant_id", "id")
      )`);
    await q.query(
      `CREATE INDEX "crm_accounts_tenant_name_idx" ON "tool_runner"."crm_accounts" ("tenant_id", lower("name"))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "crm_accounts_tenant_domain_key" ON "tool_runner"."crm_accounts" ("tenant_id", lower("domain"))`,
    );

    await q.query(`
      CREATE TABLE "tool_runner"."crm_contacts" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "account_id" uuid NOT NULL,
        "first_name" varchar(100) NOT NULL,
        "last_name" varchar(100) NOT NULL,
        "email" varchar(320),
        "title" varchar(200),
        "phone" varchar(50),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "crm_contacts_tenant_id_key" UNIQUE ("tenant_id", "id"),
        CONSTRAINT "crm_contacts_account_fk" FOREIGN KEY ("tenant_id", "account_id")
          REFERENCES "tool_runner"."crm_accounts" ("tenant_id", "id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "crm_contacts_tenant_email_key" ON "tool_runner"."crm_contacts" ("tenant_id", lower("email"))`,
    );
    await q.query(
      `CREATE INDEX "crm_contacts_tenant_account_idx" ON "tool_runner"."crm_contacts" ("tenant_id", "account_id")`,
    );

    await q.query(`
      CREATE TABLE "tool_runner"."crm_deals" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "account_id" uuid NOT NULL,
        "contact_id" uuid,
        "name" varchar(200) NOT NULL,
        "stage" varchar(32) NOT NULL CHECK ("stage" IN (
          'prospecting', 'discovery', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost')),
        "amount" numeric(14, 2) NOT NULL CHECK ("amount" >= 0),
        "currency" char(3) NOT NULL,
        "close_date" date,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "crm_deals_tenant_id_key" UNIQUE ("tenant_id", "id"),
        CONSTRAINT "crm_deals_account_fk" FOREIGN KEY ("tenant_id", "account_id")
          REFERENCES "tool_runner"."crm_accounts" ("tenant_id", "id") ON DELETE CASCADE,
        CONSTRAINT "crm_deals_contact_fk" FOREIGN KEY ("tenant_id", "contact_id")
          REFERENCES "tool_runner"."crm_contacts" ("tenant_id", "id")
      )`);
    await q.query(
      `CREATE INDEX "crm_deals_tenant_account_idx" ON "tool_runner"."crm_deals" ("tenant_id", "account_id")`,
    );

    await q.query(`
      CREATE TABLE "tool_runner"."crm_activities" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "account_id" uuid NOT NULL,
        "contact_id" uuid,
        "deal_id" uuid,
        "type" varchar(16) NOT NULL CHECK ("type" IN ('call', 'email', 'meeting', 'note')),
        "subject" varchar(300) NOT NULL,
        "notes" text,
        "occurred_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "crm_activities_account_fk" FOREIGN KEY ("tenant_id", "account_id")
          REFERENCES "tool_runner"."crm_accounts" ("tenant_id", "id") ON DELETE CASCADE,
        CONSTRAINT "crm_activities_contact_fk" FOREIGN KEY ("tenant_id", "contact_id")
          REFERENCES "tool_runner"."crm_contacts" ("tenant_id", "id"),
        CONSTRAINT "crm_activities_deal_fk" FOREIGN KEY ("tenant_id", "deal_id")
          REFERENCES "tool_runner"."crm_deals" ("tenant_id", "id")
      )`);
    await q.query(
      `CREATE INDEX "crm_activities_tenant_account_occurred_idx"
       ON "tool_runner"."crm_activities" ("tenant_id", "account_id", "occurred_at" DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "tool_runner"."crm_activities"`);
    await q.query(`DROP TABLE "tool_runner"."crm_deals"`);
    await q.query(`DROP TABLE "tool_runner"."crm_contacts"`);
    await q.query(`DROP TABLE "tool_runner"."crm_accounts"`);
  }
}
