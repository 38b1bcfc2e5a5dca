import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { messagingTablesMigration } from '@lib/database';
import { accessTablesMigration } from './access-tables.migration';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';
import { TenantNameTakenError, TenantNotFoundError } from './access.types';
import { hashApiKey } from './api-key';
import { runAccessCommand } from './access.cli';
import { DEVELOPMENT_TENANT_NAME, ensureDevelopmentTenant } from './development-tenant';

const ACCESS_DATABASE = {
  schema: 'access_it',
  entities: [],
  migrations: [messagingTablesMigration('access_it'), accessTablesMigration('access_it')],
};

describe('access (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let access: AccessService;

  beforeAll(async () => {
    db = await createMigratedDatabase(ACCESS_DATABASE);
    access = new AccessService(new AccessRepository(db.uow));
  });

  afterAll(async () => {
    await db?.close();
  });

  it('creates tenants with unique names', async () => {
    const tenant = await access.createTenant('acme');
    expect(tenant).toMatchObject({ name: 'acme' });
    expect(await access.findTenant('acme')).toEqual(tenant);
    expect(await access.findTenant(tenant.id)).toEqual(tenant);
    await expect(access.createTenant('acme')).rejects.toBeInstanceOf(TenantNameTakenError);
  });

  it('stores keys hashed, authenticates them, and forgets them once revoked', async () => {
    const tenant = await access.createTenant('globex');
    const created = await access.createApiKey(tenant.id, 'ci');
    expect(created.key).toMatch(/^sk_/);
    expect(created.prefix).toBe(created.key.slice(0, 8));

    const rows: { key_hash: string; prefix: string }[] = await db.dataSource.query(
      `SELECT "key_hash", "prefix" FROM "access_it"."api_keys" WHERE "id" = $1`,
      [created.id],
    );
    expect(rows[0].key_hash).toBe(hashApiKey(created.key));
    const dump = JSON.stringify(await db.dataSource.query(`SELECT * FROM "access_it"."api_keys"`));
    expect(dump).not.toContain(created.key);

    expect(await access.authenticate(created.key)).toEqual({
      id: tenant.id,
      name: 'globex',
      apiKeyId: created.id,
    });
    expect(await access.authenticate(`${created.key}x`)).toBeUndefined();
    expect(await access.authenticate('')).toBeUndefined();

    expect(await access.revokeApiKey(created.id)).toBe(true);
    expect(await access.revokeApiKey(created.id)).toBe(false);
    expect(await access.authenticate(created.key)).toBeUndefined();
  });

  it('refuses keys for unknown tenants', async () => {
    await expect(access.createApiKey('0197a000-0000-7000-8000-000000000000', 'x')).rejects.toBeInstanceOf(
      TenantNotFoundError,
    );
    await expect(access.createApiKey('not-a-uuid', 'x')).rejects.toBeInstanceOf(TenantNotFoundError);
  });

  it('ensures the development tenant and its configured key, idempotently', async () => {
    const devKey = 'dev-key-for-local-use-only';
    const id = await ensureDevelopmentTenant(db.uow, devKey);
    expect(await ensureDevelopmentTenant(db.uow, devKey)).toBe(id);
    expect(await access.authenticate(devKey)).toMatchObject({ id, name: DEVELOPMENT_TENANT_NAME });
    expect(await access.listApiKeys(id)).toHaveLength(1);
    await expect(ensureDevelopmentTenant(db.uow, 'short')).rejects.toThrow(/characters/);
  });

  describe('CLI', () => {
    async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
      let out = '';
      let err = '';
      const code = await runAccessCommand(argv, db.uow, { out: (t) => (out += t), err: (t) => (err += t) });
      return { code, out, err };
    }

    it('creates a tenant and a key (by tenant name), lists, and revokes', async () => {
      const tenant = await run('tenants', 'create', 'initech');
      expect(tenant.code).toBe(0);
      const { id: tenantId } = JSON.parse(tenant.out) as { id: string };

      const key = await run('keys', 'create', 'initech', '--name', 'console');
      expect(key.code).toBe(0);
      const created = JSON.parse(key.out) as { id: string; key: string; name: string; tenantId: string };
      expect(created).toMatchObject({ name: 'console', tenantId });
      expect(key.err).toMatch(/Store this key now/);
      expect(await access.authenticate(created.key)).toMatchObject({ id: tenantId });

      const byId = await run('keys', 'create', tenantId);
      expect(JSON.parse(byId.out)).toMatchObject({ name: 'default', tenantId });

      const list = await run('tenants', 'list');
      expect((JSON.parse(list.out) as { name: string }[]).map((t) => t.name)).toContain('initech');

      const keys = await run('keys', 'list', 'initech');
      expect(keys.out).not.toContain(created.key);
      expect(JSON.parse(keys.out)).toHaveLength(2);

      expect((await run('keys', 'revoke', created.id)).code).toBe(0);
      expect(await access.authenticate(created.key)).toBeUndefined();
    });

    it('fails with a message and a non-zero code', async () => {
      const missing = await run('keys', 'create', 'no-such-tenant');
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/tenant no-such-tenant not found/);

      await run('tenants', 'create', 'dup');
      const duplicate = await run('tenants', 'create', 'dup');
      expect(duplicate.code).toBe(1);
      expect(duplicate.err).toMatch(/already exists/);

      const revoke = await run('keys', 'revoke', '0197a000-0000-7000-8000-000000000000');
      expect(revoke.code).toBe(1);

      expect((await run('tenants', 'create', '-bad name!')).code).not.toBe(0);
      expect((await run('nonsense')).code).not.toBe(0);
    });
  });
});
