import { Logger } from '@nestjs/common';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { InProcessEventBus } from '@lib/messaging';
import { startService, type RunningService } from '@lib/runtime';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { CrmProspectList, seedDemoCrm, TOOL_RUNNER_DATABASE, toolRunnerService } from '@lib/tools';
import { gatewayService } from '../gateway.service-definition';
import { CRM_PROSPECTS_EXAMPLE } from './crm-prospects.controller';

/**
 * `GET /v1/crm/prospects` through the real gateway and tool-runner on one test database: the demo CRM is
 * searched for the API key's tenant only; bad parameters are a 400 problem naming the field.
 */
const ADMIN_KEY = 'admin-key-for-the-prospects-test';

interface Json {
  [key: string]: unknown;
}

describe('CRM prospects search (gateway + tool-runner, PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let toolRunner: RunningService;
  let gateway: RunningService;
  const keys: string[] = [];

  const call = async (path: string, key: string) => {
    const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: (await response.json()) as Json,
    };
  };

  const admin = async (path: string, body: unknown): Promise<Json> => {
    const response = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as Json;
  };

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    process.env.ADMIN_API_KEY = ADMIN_KEY;
    db = await createMigratedDatabase(TOOL_RUNNER_DATABASE);
    const bus = new InProcessEventBus();
    const config = loadConfig(CommonConfigSchema, {
      DATABASE_URL: db.database.url,
      MESSAGING_TRANSPORT: 'in-process',
      LOG_LEVEL: 'error',
      NODE_ENV: 'test',
    });
    toolRunner = await startService(toolRunnerService, { config, bus, migrateOnBoot: true, port: 0 });
    process.env.TOOL_RUNNER_URL = toolRunner.url;
    gateway = await startService(gatewayService, { config, bus, migrateOnBoot: true, port: 0 });
    for (const name of ['prospects-a', 'prospects-b']) {
      const tenant = await admin('/admin/v1/tenants', { name });
      const key = await admin(`/admin/v1/tenants/${tenant.id as string}/api-keys`, { name: 'ui' });
      keys.push(key.key as string);
      // Only the first tenant has a CRM.
      if (name === 'prospects-a') await seedDemoCrm(db.dataSource.manager, tenant.id as string);
    }
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await toolRunner?.stop();
    await db?.close();
    await db?.database.drop();
    delete process.env.ADMIN_API_KEY;
    delete process.env.TOOL_RUNNER_URL;
  });

  it('finds contacts by name, email or company, case-insensitively, for the key’s tenant only', async () => {
    const byName = await call('/v1/crm/prospects?q=CHEN', keys[0]);
    expect(byName.status).toBe(200);
    const list = CrmProspectList.parse(byName.body);
    expect(list.prospects.map((p) => p.name)).toContain('Maya Chen');
    const maya = list.prospects.find((p) => p.name === 'Maya Chen')!;
    expect(maya).toMatchObject({ email: 'maya.chen@northwindpay.com', company: 'Northwind Pay' });

    const byCompany = CrmProspectList.parse((await call('/v1/crm/prospects?q=northwind', keys[0])).body);
    expect(byCompany.prospects.map((p) => p.crmContactId)).toContain(maya.crmContactId);
    const byEmail = CrmProspectList.parse((await call('/v1/crm/prospects?q=maya.chen@', keys[0])).body);
    expect(byEmail.prospects.map((p) => p.crmContactId)).toEqual([maya.crmContactId]);

    const all = CrmProspectList.parse((await call('/v1/crm/prospects?limit=2', keys[0])).body);
    expect(all.prospects).toHaveLength(2);
    // A LIKE wildcard in the text is a literal character.
    const wildcard = CrmProspectList.parse((await call('/v1/crm/prospects?q=%25', keys[0])).body);
    expect(wildcard.prospects).toEqual([]);

    const other = await call('/v1/crm/prospects?q=chen', keys[1]);
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ prospects: [] });
  });

  it('refuses bad parameters with a 400 problem naming the field, and a missing key with a 401', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      [`q=${'x'.repeat(101)}`, 'q'],
      ['tenantId=other', 'tenantId'],
    ] as const) {
      const response = await call(`/v1/crm/prospects?${query}`, keys[0]);
      expect(response.status).toBe(400);
      expect(response.type).toContain('application/problem+json');
      expect(JSON.stringify(response.body)).toContain(field);
    }
    const anonymous = await fetch(`${gateway.url}/v1/crm/prospects`);
    expect(anonymous.status).toBe(401);
  });

  it('documents the route in the OpenAPI document with an example that fits its schema', async () => {
    const response = await fetch(`${gateway.url}/docs/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, Json>>;
      components: { schemas: Record<string, unknown> };
    };
    const operation = document.paths['/v1/crm/prospects']?.get;
    expect(operation).toBeDefined();
    const ok = (operation.responses as Record<string, { content: Record<string, Json> }>)['200'];
    const json = ok.content['application/json'];
    expect(json.schema).toEqual({ $ref: '#/components/schemas/CrmProspectList' });
    expect(document.components.schemas.CrmProspectList).toBeDefined();
    expect(CrmProspectList.parse(json.example)).toEqual(CRM_PROSPECTS_EXAMPLE);
    expect(Object.keys(operation.responses as Json)).toEqual(expect.arrayContaining(['200', '400', '401']));
  });
});
