import { UnitOfWork } from '@lib/database';
import type { RunningService } from '@lib/runtime';
import { CrmProspectList, seedDemoCrm, toolRunnerService } from '@lib/tools';
import { gatewayService } from '../gateway.service-definition';
import { GatewayClient, startServiceStack, type Json, type ServiceStack } from '../testing/gateway-harness';
import { CRM_PROSPECTS_EXAMPLE } from './crm-prospects.controller';

/**
 * `GET /v1/crm/prospects` through the real gateway and tool-runner on one test database: the demo CRM is
 * searched for the API key's tenant only; bad parameters are a 400 problem naming the field.
 */
const ADMIN_KEY = 'admin-key-for-the-prospects-test';

describe('CRM prospects search (gateway + tool-runner, PostgreSQL)', () => {
  let stack: ServiceStack;
  let gateway: RunningService;
  const keys: string[] = [];
  const { get: call, createTenant } = new GatewayClient(() => gateway.url, ADMIN_KEY);

  beforeAll(async () => {
    stack = await startServiceStack('gateway_crm_prospects', { ADMIN_API_KEY: ADMIN_KEY });
    const toolRunner = await stack.start(toolRunnerService, 'TOOL_RUNNER_URL');
    gateway = await stack.start(gatewayService);
    const dataSource = toolRunner.app.get(UnitOfWork).dataSource;
    for (const name of ['prospects-a', 'prospects-b']) {
      const tenant = await createTenant(name);
      keys.push(tenant.key);
      // Only the first tenant has a CRM.
      if (name === 'prospects-a') await seedDemoCrm(dataSource.manager, tenant.id);
    }
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
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
