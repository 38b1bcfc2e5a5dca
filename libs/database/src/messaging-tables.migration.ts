import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox (exactly-once handling per consumer and event id) and the transactional outbox, in a service's
 * own schema. Every service that consumes or emits events includes this migration first.
 */
export function messagingTablesMigration(schema: string): new () => MigrationInterface {
  return class MessagingTables1764000000000 implements MigrationInterface {
    readonly name = 'MessagingTables1764000000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await q.query(`
        CREATE TABLE "${schema}"."inbox" (
          "consumer" varchar(200) NOT NULL,
          "event_id" varchar(128) NOT NULL,
          "event_type" varchar(200) NOT NULL,
          "processed_at" timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY ("consumer", "event_id")
        )`);
      await q.query(`CREATE INDEX "inbox_processed_at_idx" ON "${schema}"."inbox" ("processed_at")`);
      await q.query(`
        CREATE TABLE "${schema}"."outbox" (
          "seq" bigserial PRIMARY KEY,
          "event_id" varchar(128) NOT NULL,
          "topic" varchar(255) NOT NULL,
          "key" varchar(255) NOT NULL,
          "headers" jsonb NOT NULL,
          "value" text NOT NULL,
          "created_at" timestamptz NOT NULL DEFAULT now()
        )`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE "${schema}"."outbox"`);
      await q.query(`DROP TABLE "${schema}"."inbox"`);
    }
  };
}
