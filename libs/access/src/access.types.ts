import { z } from 'zod';

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

/** The tenant an authenticated request acts for, and the key it used. */
export interface AuthenticatedTenant {
  readonly id: string;
  readonly name: string;
  readonly apiKeyId: string;
}

export interface ApiKeySummary {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** A key just created: the only time its plaintext exists outside the client. */
export interface CreatedApiKey extends Omit<ApiKeySummary, 'revokedAt'> {
  readonly key: string;
}

/** Tenant names: readable, and never shaped like a uuid (the CLI accepts an id or a name). */
export const TenantName = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/,
    'letters, digits, space, dot, underscore and dash; starts with a letter or digit',
  );

export const ApiKeyName = z.string().min(1).max(100);

export class TenantNotFoundError extends Error {
  constructor(readonly tenant: string) {
    super(`tenant ${tenant} not found`);
    this.name = 'TenantNotFoundError';
  }
}

export class TenantNameTakenError extends Error {
  constructor(readonly tenantName: string) {
    super(`a tenant named "${tenantName}" already exists`);
    this.name = 'TenantNameTakenError';
  }
}
