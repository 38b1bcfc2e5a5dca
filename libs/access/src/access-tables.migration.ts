import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants and their API keys (hashed), in the schema of the service that authenticates requests. */
export function accessTablesMigration(schema: string): new () => MigrationInterface {
  return class CreateAccess1764000001000 implements MigrationInterface {
    readonly name = 'CreateAccess1764000001000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE TABLE "${schema}"."tenants" (
          "id" uuid PRIMARY KEY,
          "name" varchar(100) NOT NULL,
          "created_at" timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT "tenants_name_key" UNIQUE ("name")
        )`);
      await q.query(`
        CREATE TABLE "${schema}"."api_keys" (
          "id" uuid PRIMARY KEY,
          "tenant_id" uuid NOT NULL REFERENCES "${schema}"."tenants" ("id") ON DELETE CASCADE,
          "name" varchar(100) NOT NULL,
          "prefix" varchar(16) NOT NULL,
          "key_hash" char(64) NOT NULL,
          "created_at" timestamptz NOT NULL DEFAULT now(),
          "revoked_at" timestamptz,
          CONSTRAINT "api_keys_key_hash_key" UNIQUE ("key_hash")
        )`);
      await q.query(`CREATE INDEX "api_keys_tenant_id_idx" ON "${schema}"."api_keys" ("tenant_id")`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE "${schema}"."api_keys"`);
      await q.query(`DROP TABLE "${schema}"."tenants"`);
    }
  };
}
