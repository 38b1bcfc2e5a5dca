import { Injectable } from '@nestjs/common';
import { schemaOf, UnitOfWork } from '@lib/database';
import type { ApiKeySummary, AuthenticatedTenant, Tenant } from './access.types';

interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

export interface NewApiKey {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly prefix: string;
  readonly keyHash: string;
}

const toTenant = (r: TenantRow): Tenant => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at.toISOString(),
});

const toApiKey = (r: ApiKeyRow): ApiKeySummary => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
});

/** PostgreSQL error code of a violated constraint, from a TypeORM QueryFailedError (or the pg error itself). */
export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const driverError = (error as { driverError?: { code?: unknown } }).driverError;
  const code = driverError?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

/** Tenants and API keys. Owns the SQL; joins the active unit of work through `uow.manager`. */
@Injectable()
export class AccessRepository {
  private readonly tenants: string;
  private readonly apiKeys: string;

  constructor(private readonly uow: UnitOfWork) {
    const schema = schemaOf(uow.dataSource);
    this.tenants = `"${schema}"."tenants"`;
    this.apiKeys = `"${schema}"."api_keys"`;
  }

  async insertTenant(id: string, name: string): Promise<Tenant> {
    const rows: TenantRow[] = await this.uow.manager.query(
      `INSERT INTO ${this.tenants} ("id", "name") VALUES ($1, $2) RETURNING "id", "name", "created_at"`,
      [id, name],
    );
    return toTenant(rows[0]);
  }

  /** Inserts the tenant unless one with that name exists; returns the tenant with that name either way. */
  async upsertTenantByName(id: string, name: string): Promise<Tenant> {
    await this.uow.manager.query(
      `INSERT INTO ${this.tenants} ("id", "name") VALUES ($1, $2) ON CONFLICT ("name") DO NOTHING`,
      [id, name],
    );
    const tenant = await this.findTenantByName(name);
    if (!tenant) throw new Error(`tenant ${name} vanished right after its upsert`);
    return tenant;
  }

  async findTenantById(id: string): Promise<Tenant | undefined> {
    const rows: TenantRow[] = await this.uow.manager.query(
      `SELECT "id", "name", "created_at" FROM ${this.tenants} WHERE "id" = $1`,
      [id],
    );
    return rows[0] ? toTenant(rows[0]) : undefined;
  }

  async findTenantByName(name: string): Promise<Tenant | undefined> {
    const rows: TenantRow[] = await this.uow.manager.query(
      `SELECT "id", "name", "created_at" FROM ${this.tenants} WHERE "name" = $1`,
      [name],
    );
    return rows[0] ? toTenant(rows[0]) : undefined;
  }

  async listTenants(): Promise<Tenant[]> {
    const rows: TenantRow[] = await this.uow.manager.query(
      `SELECT "id", "name", "created_at" FROM ${this.tenants} ORDER BY "name"`,
    );
    return rows.map(toTenant);
  }

  async insertApiKey(key: NewApiKey): Promise<ApiKeySummary> {
    const rows: ApiKeyRow[] = await this.uow.manager.query(
      `INSERT INTO ${this.apiKeys} ("id", "tenant_id", "name", "prefix", "key_hash") VALUES ($1, $2, $3, $4, $5)
       RETURNING "id", "tenant_id", "name", "prefix", "created_at", "revoked_at"`,
      [key.id, key.tenantId, key.name, key.prefix, key.keyHash],
    );
    return toApiKey(rows[0]);
  }

  /** Registers a key unless its hash is known; returns the stored key with that hash (maybe another's). */
  async insertApiKeyIfAbsent(key: NewApiKey): Promise<ApiKeySummary> {
    await this.uow.manager.query(
      `INSERT INTO ${this.apiKeys} ("id", "tenant_id", "name", "prefix", "key_hash") VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ("key_hash") DO NOTHING`,
      [key.id, key.tenantId, key.name, key.prefix, key.keyHash],
    );
    const rows: ApiKeyRow[] = await this.uow.manager.query(
      `SELECT "id", "tenant_id", "name", "prefix", "created_at", "revoked_at" FROM ${this.apiKeys}
       WHERE "key_hash" = $1`,
      [key.keyHash],
    );
    return toApiKey(rows[0]);
  }

  async listApiKeys(tenantId: string): Promise<ApiKeySummary[]> {
    const rows: ApiKeyRow[] = await this.uow.manager.query(
      `SELECT "id", "tenant_id", "name", "prefix", "created_at", "revoked_at" FROM ${this.apiKeys}
       WHERE "tenant_id" = $1 ORDER BY "created_at"`,
      [tenantId],
    );
    return rows.map(toApiKey);
  }

  /** The tenant of an active (not revoked) key, looked up by the key's hash (unique index). */
  async findTenantByKeyHash(keyHash: string): Promise<AuthenticatedTenant | undefined> {
    const rows: { tenant_id: string; tenant_name: string; key_id: string }[] = await this.uow.manager.query(
      `SELECT t."id" AS "tenant_id", t."name" AS "tenant_name", k."id" AS "key_id"
       FROM ${this.apiKeys} k JOIN ${this.tenants} t ON t."id" = k."tenant_id"
       WHERE k."key_hash" = $1 AND k."revoked_at" IS NULL`,
      [keyHash],
    );
    const row = rows[0];
    return row ? { id: row.tenant_id, name: row.tenant_name, apiKeyId: row.key_id } : undefined;
  }

  /** Marks the key revoked; false when there is no such key or it was revoked already. */
  async revokeApiKey(id: string): Promise<boolean> {
    const rows: unknown[] = await this.uow.manager.query(
      `UPDATE ${this.apiKeys} SET "revoked_at" = now() WHERE "id" = $1 AND "revoked_at" IS NULL RETURNING "id"`,
      [id],
    );
    // TypeORM returns [rows, affectedCount] for UPDATE ... RETURNING on postgres.
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return returned.length > 0;
  }
}
