import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * Conversation-level evaluation (issue 6): when a conversation ended (`conversations.ended_at`, `end_reason`,
 * from `conversation.ended`; `status` keeps its meaning: whether `conversation.started` is stored), and its
 * evaluations (`conversation_evaluations`, from `conversation.evaluated`, one row per evaluation id).
 */
export class ConversationEvaluations1764000008300 implements MigrationInterface {
  readonly name = 'ConversationEvaluations1764000008300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE ${s}."conversations" ADD "ended_at" timestamptz, ADD "end_reason" varchar(16)`,
    );
    await q.query(`
      CREATE TABLE ${s}."conversation_evaluations" (
        "evaluation_id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "trigger" varchar(16) NOT NULL,
        "last_turn_id" uuid,
        "mode" varchar(16),
        "prospect_turns" integer NOT NULL,
        "rep_turns" integer NOT NULL,
        "first_stage" varchar(32),
        "last_stage" varchar(32),
        "stage_advances" integer NOT NULL,
        "stage_transitions" integer NOT NULL,
        "objections_raised" integer NOT NULL,
        "objections_handled" integer NOT NULL,
        "objections_by_type" jsonb NOT NULL,
        "talk_ratio" double precision,
        "replies" integer NOT NULL,
        "groundedness_mean" double precision,
        "groundedness_min" double precision,
        "evaluated_at" timestamptz NOT NULL,
        CONSTRAINT "conversation_evaluations_pkey" PRIMARY KEY ("evaluation_id")
      )`);
    await q.query(
      `CREATE INDEX "conversation_evaluations_tenant_conversation_idx" ON ${s}."conversation_evaluations" ("tenant_id", "conversation_id")`,
    );
    await q.query(
      `CREATE INDEX "conversation_evaluations_tenant_evaluated_idx" ON ${s}."conversation_evaluations" ("tenant_id", "evaluated_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${s}."conversation_evaluations"`);
    await q.query(`ALTER TABLE ${s}."conversations" DROP COLUMN "end_reason", DROP COLUMN "ended_at"`);
  }
}
