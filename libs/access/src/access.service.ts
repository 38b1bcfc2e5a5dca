import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { newId } from '@lib/contracts';
import {
  AccessRepository,
  PG_FOREIGN_KEY_VIOLATION,
  PG_UNIQUE_VIOLATION,
  pgErrorCode,
} from './access.repository';
import {
  ApiKeyName,
  TenantName,
  TenantNameTakenError,
  TenantNotFoundError,
  type ApiKeySummary,
  type AuthenticatedTenant,
  type CreatedApiKey,
  type Tenant,
} from './access.types';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey, MAX_API_KEY_LENGTH } from './api-key';

const Uuid = z.uuid();

/** Shortest development key accepted: it is a real credential on whatever port the gateway listens on. */
export const MIN_DEV_API_KEY_LENGTH = 16;

/** Tenants and API keys: creation, authentication, revocation. Used by the HTTP guard, the admin API and the CLI. */
@Injectable()
export class AccessService {
  private readonly logger = new Logger(AccessService.name);

  constructor(private readonly repository: AccessRepository) {}

  async createTenant(name: string): Promise<Tenant> {
    const valid = TenantName.parse(name);
    try {
      const tenant = await this.repository.insertTenant(newId(), valid);
      this.logger.log(`tenant ${tenant.id} created`);
      return tenant;
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) throw new TenantNameTakenError(valid);
      throw error;
    }
  }

  listTenants(): Promise<Tenant[]> {
    return this.repository.listTenants();
  }

  /** A tenant by id, or by name when the argument is not a uuid. */
  async findTenant(idOrName: string): Promise<Tenant | undefined> {
    return Uuid.safeParse(idOrName).success
      ? this.repository.findTenantById(idOrName)
      : this.repository.findTenantByName(idOrName);
  }

  /** Creates a key for the tenant. The plaintext key is in the result and nowhere else: show it once. */
  async createApiKey(tenantId: string, name: string): Promise<CreatedApiKey> {
    if (!Uuid.safeParse(tenantId).success) throw new TenantNotFoundError(tenantId);
    const key = generateApiKey();
    try {
      const stored = await this.repository.insertApiKey({
        id: newId(),
        tenantId,
        name: ApiKeyName.parse(name),
        prefix: apiKeyDisplayPrefix(key),
        keyHash: hashApiKey(key),
      });
      this.logger.log(`api key ${stored.id} (${stored.prefix}…) created for tenant ${tenantId}`);
      return {
        id: stored.id,
        tenantId: stored.tenantId,
        name: stored.name,
        prefix: stored.prefix,
        createdAt: stored.createdAt,
        key,
      };
    } catch (error) {
      if (pgErrorCode(error) === PG_FOREIGN_KEY_VIOLATION) throw new TenantNotFoundError(tenantId);
      throw error;
    }
  }

  listApiKeys(tenantId: string): Promise<ApiKeySummary[]> {
    return this.repository.listApiKeys(tenantId);
  }

  /**
   * The tenant a key belongs to, or undefined for an unknown or revoked key. The lookup is by the key's
   * SHA-256 on a unique index: the database compares hashes, never the secret, and an attacker cannot steer
   * a hash prefix bit by bit, so a constant-time comparison would add nothing.
   */
  async authenticate(key: string): Promise<AuthenticatedTenant | undefined> {
    if (!key || key.length > MAX_API_KEY_LENGTH) return undefined;
    return this.repository.findTenantByKeyHash(hashApiKey(key));
  }

  /** Revokes a key at once (the next request with it gets 401). False when unknown or already revoked. */
  async revokeApiKey(id: string): Promise<boolean> {
    if (!Uuid.safeParse(id).success) return false;
    const revoked = await this.repository.revokeApiKey(id);
    if (revoked) this.logger.log(`api key ${id} revoked`);
    return revoked;
  }

  /**
   * Idempotently creates the tenant `name` and registers `apiKey` (a fixed key from configuration) for it.
   * Returns the tenant id. Refuses a key that already belongs to another tenant.
   */
  async ensureTenantWithKey(name: string, apiKey?: string): Promise<Tenant> {
    const tenant = await this.repository.upsertTenantByName(newId(), TenantName.parse(name));
    if (apiKey === undefined) return tenant;
    if (apiKey.length < MIN_DEV_API_KEY_LENGTH || apiKey.length > MAX_API_KEY_LENGTH || /\s/.test(apiKey)) {
      throw new Error(
        `the development API key must be ${MIN_DEV_API_KEY_LENGTH}-${MAX_API_KEY_LENGTH} characters without spaces`,
      );
    }
    const stored = await this.repository.insertApiKeyIfAbsent({
      id: newId(),
      tenantId: tenant.id,
      name: `${name} (configured)`,
      prefix: apiKeyDisplayPrefix(apiKey),
      keyHash: hashApiKey(apiKey),
    });
    if (stored.tenantId !== tenant.id) {
      throw new Error(`the configured API key already belongs to another tenant (${stored.tenantId})`);
    }
    if (stored.revokedAt) this.logger.warn(`the configured API key ${stored.id} is revoked: it will get 401`);
    return tenant;
  }
}
