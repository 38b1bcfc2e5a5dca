import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * The record as analysts need it (issue 5): CRM references on conversations; redacted text, token and word
 * counts and the suggestion a rep's turn sent on turns; the qualification (BANT/MEDDIC) and next best actions
 * of an analysis; the analysis' intents, typed entities and objections as rows (what analytics group by); the
 * prospect's progress through the funnel (stage transitions, each with the turn that caused it); the prompt
 * version of a reply as a column. Indexes serve the analytics queries: everything is filtered by tenant and
 * time first.
 */
export class ExtendRecordForAnalytics1764000006000 implements MigrationInterface {
  readonly name = 'ExtendRecordForAnalytics1764000006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ${s}."conversations"
        ADD COLUMN "crm_contact_id" varchar(128),
        ADD COLUMN "crm_account_id" varchar(128),
        ADD COLUMN "crm_deal_id" varchar(128)`);
    await q.query(
      `CREATE INDEX "conversations_tenant_rep_started_idx" ON ${s}."conversations" ("tenant_id", "rep_id", "started_at")`,
    );
    await q.query(
      `CREATE INDEX "conversations_tenant_stage_idx" ON ${s}."conversations" ("tenant_id", "stage")`,
    );

    await q.query(`
      ALTER TABLE ${s}."turns"
        ADD COLUMN "redacted_text" text,
        ADD COLUMN "token_count" integer,
        ADD COLUMN "word_count" integer,
        ADD COLUMN "suggestion_reply_id" uuid,
        ADD COLUMN "suggestion_disposition" varchar(16)
          CONSTRAINT "turns_suggestion_disposition_check" CHECK ("suggestion_disposition" IN ('accepted', 'edited'))`);
    // Full-text search over what a tenant's users may see (the redacted text when there is one).
    await q.query(
      `CREATE INDEX "turns_text_search_idx" ON ${s}."turns"
         USING gin (to_tsvector('english', coalesce("redacted_text", "text")))`,
    );

    await q.query(`
      ALTER TABLE ${s}."analyses"
        ADD COLUMN "qualification" jsonb,
        ADD COLUMN "next_best_actions" jsonb`);
    await q.query(
      `CREATE INDEX "analyses_tenant_completed_idx" ON ${s}."analyses" ("tenant_id", "completed_at")`,
    );

    await q.query(`
      CREATE TABLE ${s}."analysis_intents" (
        "turn_id" uuid NOT NULL,
        "intent" varchar(64) NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "confidence" double precision NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        CONSTRAINT "analysis_intents_pkey" PRIMARY KEY ("turn_id", "intent")
      )`);
    await q.query(
      `CREATE INDEX "analysis_intents_tenant_occurred_idx" ON ${s}."analysis_intents" ("tenant_id", "occurred_at")`,
    );
    await q.query(
      `CREATE INDEX "analysis_intents_tenant_conversation_idx" ON ${s}."analysis_intents" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."analysis_entities" (
        "turn_id" uuid NOT NULL,
        "ordinal" smallint NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "type" varchar(16) NOT NULL,
        "text" text NOT NULL,
        "value" text,
        "amount" numeric(18,2),
        "currency" varchar(3),
        "occurred_at" timestamptz NOT NULL,
        CONSTRAINT "analysis_entities_pkey" PRIMARY KEY ("turn_id", "ordinal")
      )`);
    await q.query(
      `CREATE INDEX "analysis_entities_tenant_type_idx" ON ${s}."analysis_entities" ("tenant_id", "type", "occurred_at")`,
    );
    await q.query(
      `CREATE INDEX "analysis_entities_tenant_conversation_idx" ON ${s}."analysis_entities" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."analysis_objections" (
        "turn_id" uuid NOT NULL,
        "ordinal" smallint NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "type" varchar(16) NOT NULL,
        "evidence" text NOT NULL,
        "handled" boolean NOT NULL DEFAULT false,
        "occurred_at" timestamptz NOT NULL,
        CONSTRAINT "analysis_objections_pkey" PRIMARY KEY ("turn_id", "ordinal")
      )`);
    await q.query(
      `CREATE INDEX "analysis_objections_tenant_occurred_idx" ON ${s}."analysis_objections" ("tenant_id", "occurred_at")`,
    );
    await q.query(
      `CREATE INDEX "analysis_objections_tenant_conversation_idx" ON ${s}."analysis_objections" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."stage_transitions" (
        "conversation_id" uuid NOT NULL,
        "turn_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "sequence" integer,
        "from_stage" varchar(32),
        "to_stage" varchar(32) NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        CONSTRAINT "stage_transitions_pkey" PRIMARY KEY ("conversation_id", "turn_id")
      )`);
    await q.query(
      `CREATE INDEX "stage_transitions_tenant_occurred_idx" ON ${s}."stage_transitions" ("tenant_id", "occurred_at")`,
    );

    await q.query(`ALTER TABLE ${s}."replies" ADD COLUMN "prompt_version" varchar(64)`);
    await q.query(`UPDATE ${s}."replies" SET "prompt_version" = "model"->>'promptVersion'`);
    await q.query(
      `CREATE INDEX "replies_tenant_generated_idx" ON ${s}."replies" ("tenant_id", "generated_at")`,
    );
    await q.query(
      `CREATE INDEX "feedback_tenant_submitted_idx" ON ${s}."feedback" ("tenant_id", "submitted_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${s}."feedback_tenant_submitted_idx"`);
    await q.query(`DROP INDEX ${s}."replies_tenant_generated_idx"`);
    await q.query(`ALTER TABLE ${s}."replies" DROP COLUMN "prompt_version"`);
    await q.query(`DROP TABLE ${s}."stage_transitions"`);
    await q.query(`DROP TABLE ${s}."analysis_objections"`);
    await q.query(`DROP TABLE ${s}."analysis_entities"`);
    await q.query(`DROP TABLE ${s}."analysis_intents"`);
    await q.query(`DROP INDEX ${s}."analyses_tenant_completed_idx"`);
    await q.query(`ALTER TABLE ${s}."analyses" DROP COLUMN "next_best_actions", DROP COLUMN "qualification"`);
    await q.query(`DROP INDEX ${s}."turns_text_search_idx"`);
    await q.query(`
      ALTER TABLE ${s}."turns"
        DROP COLUMN "suggestion_disposition",
        DROP COLUMN "suggestion_reply_id",
        DROP COLUMN "word_count",
        DROP COLUMN "token_count",
        DROP COLUMN "redacted_text"`);
    await q.query(`DROP INDEX ${s}."conversations_tenant_stage_idx"`);
    await q.query(`DROP INDEX ${s}."conversations_tenant_rep_started_idx"`);
    await q.query(`
      ALTER TABLE ${s}."conversations"
        DROP COLUMN "crm_deal_id",
        DROP COLUMN "crm_account_id",
        DROP COLUMN "crm_contact_id"`);
  }
}
