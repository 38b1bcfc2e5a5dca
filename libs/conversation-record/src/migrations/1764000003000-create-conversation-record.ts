import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * The conversation record. No foreign keys between the tables on purpose: events of one conversation
 * travel on several topics and may arrive in any order (a reply before its turn, a tool result before its
 * request), so every row must be storable before the rows it refers to. Identity and idempotency come
 * from primary keys and unique constraints instead.
 */
export class CreateConversationRecord1764000003000 implements MigrationInterface {
  readonly name = 'CreateConversationRecord1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${s}."conversations" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "status" varchar(16) NOT NULL,
        "mode" varchar(16),
        "prospect" jsonb,
        "rep_id" varchar(128),
        "title" varchar(200),
        "stage" varchar(32),
        "started_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "turn_count" integer NOT NULL DEFAULT 0,
        CONSTRAINT "conversations_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "conversations_tenant_started_idx" ON ${s}."conversations" ("tenant_id", "started_at", "id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."turns" (
        "id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "sequence" integer NOT NULL,
        "role" varchar(16) NOT NULL,
        "text" text NOT NULL,
        "received_at" timestamptz NOT NULL,
        CONSTRAINT "turns_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "turns_conversation_sequence_key" UNIQUE ("conversation_id", "sequence")
      )`);
    await q.query(
      `CREATE INDEX "turns_tenant_conversation_idx" ON ${s}."turns" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."analyses" (
        "turn_id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "intents" jsonb NOT NULL,
        "sentiment_label" varchar(16) NOT NULL,
        "sentiment_score" double precision NOT NULL,
        "entities" jsonb NOT NULL,
        "objections" jsonb NOT NULL,
        "buying_signals" jsonb NOT NULL,
        "stage" varchar(32) NOT NULL,
        "model" jsonb NOT NULL,
        "completed_at" timestamptz NOT NULL,
        CONSTRAINT "analyses_pkey" PRIMARY KEY ("turn_id")
      )`);
    await q.query(
      `CREATE INDEX "analyses_tenant_conversation_idx" ON ${s}."analyses" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."tool_calls" (
        "id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "turn_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "tool" varchar(64) NOT NULL,
        "arguments" jsonb,
        "status" varchar(16) NOT NULL,
        "result" jsonb,
        "error" jsonb,
        "duration_ms" double precision,
        "requested_at" timestamptz,
        "finished_at" timestamptz,
        CONSTRAINT "tool_calls_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "tool_calls_tenant_conversation_idx" ON ${s}."tool_calls" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."replies" (
        "id" uuid NOT NULL,
        "turn_id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "kind" varchar(16) NOT NULL,
        "text" text NOT NULL,
        "citations" jsonb NOT NULL,
        "model" jsonb NOT NULL,
        "input_tokens" integer NOT NULL,
        "output_tokens" integer NOT NULL,
        "generated_at" timestamptz NOT NULL,
        CONSTRAINT "replies_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "replies_turn_id_key" UNIQUE ("turn_id")
      )`);
    await q.query(
      `CREATE INDEX "replies_tenant_conversation_idx" ON ${s}."replies" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."turn_failures" (
        "turn_id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "code" text NOT NULL,
        "message" text NOT NULL,
        "failed_at" timestamptz NOT NULL,
        CONSTRAINT "turn_failures_pkey" PRIMARY KEY ("turn_id")
      )`);
    await q.query(
      `CREATE INDEX "turn_failures_tenant_conversation_idx" ON ${s}."turn_failures" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."evaluations" (
        "id" uuid NOT NULL,
        "reply_id" uuid NOT NULL,
        "turn_id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "scores" jsonb NOT NULL,
        "groundedness" numeric NOT NULL,
        "latency" jsonb NOT NULL,
        "prompt_version" text NOT NULL,
        "evaluator" jsonb NOT NULL,
        "evaluated_at" timestamptz NOT NULL,
        CONSTRAINT "evaluations_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "evaluations_tenant_conversation_idx" ON ${s}."evaluations" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."feedback" (
        "id" uuid NOT NULL,
        "turn_id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "thumbs" varchar(8),
        "rating" smallint,
        "comment" text,
        "submitted_at" timestamptz NOT NULL,
        CONSTRAINT "feedback_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "feedback_tenant_conversation_idx" ON ${s}."feedback" ("tenant_id", "conversation_id")`,
    );

    await q.query(`
      CREATE TABLE ${s}."alerts" (
        "id" uuid NOT NULL,
        "conversation_id" uuid NOT NULL,
        "turn_id" uuid,
        "tenant_id" varchar(128) NOT NULL,
        "severity" varchar(16) NOT NULL,
        "kind" text NOT NULL,
        "message" text NOT NULL,
        "evidence" jsonb NOT NULL,
        "raised_at" timestamptz NOT NULL,
        CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "alerts_tenant_conversation_idx" ON ${s}."alerts" ("tenant_id", "conversation_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'alerts',
      'feedback',
      'evaluations',
      'turn_failures',
      'replies',
      'tool_calls',
      'analyses',
      'turns',
      'conversations',
    ]) {
      await q.query(`DROP TABLE ${s}."${table}"`);
    }
  }
}
