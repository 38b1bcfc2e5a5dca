import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { deriveId } from '@lib/contracts';
import { PostgresToolExecutionStore } from '../execution/postgres-tool-execution.store';
import { ToolExecutor, type ToolOutcome } from '../execution/tool-executor';
import { ToolRegistry } from '../registry/tool-registry';
import { TOOL_RUNNER_DATABASE } from '../tool-runner.database';
import type { CrmLookupProspectResult } from './crm-lookup-prospect.schema';
import { crmLookupProspectTool } from './crm-lookup-prospect.tool';
import { CrmRepository } from './crm.repository';
import { seedDemoCrm } from './demo-crm.seed';

const TENANT_A = 'tenant-alpha';
const TENANT_B = 'tenant-beta';

describe('crm_lookup_prospect on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let executor: ToolExecutor;
  let calls = 0;

  beforeAll(async () => {
    db = await createMigratedDatabase(TOOL_RUNNER_DATABASE);
    const registry = new ToolRegistry([crmLookupProspectTool(new CrmRepository(db.uow))]);
    executor = new ToolExecutor(registry, new PostgresToolExecutionStore(db.uow), {
      timeoutMs: 5000,
      maxResultBytes: 32_768,
    });
    await seedDemoCrm(db.dataSource.manager, TENANT_A, { now: new Date('2026-03-02T12:00:00Z') });
  });
  afterAll(async () => {
    await db.close();
  });

  const lookup = async (
    tenantId: string,
    args: Record<string, unknown>,
  ): Promise<CrmLookupProspectResult> => {
    const outcome: ToolOutcome = await executor.execute({
      toolCallId: deriveId('test-call', String(++calls)),
      tenantId,
      tool: 'crm_lookup_prospect',
      arguments: args,
    });
    if (outcome.status !== 'completed') throw new Error(`lookup failed: ${JSON.stringify(outcome.error)}`);
    return outcome.result as CrmLookupProspectResult;
  };

  it('seeds idempotently', async () => {
    const again = await seedDemoCrm(db.dataSource.manager, TENANT_A);
    expect(again).toEqual({ accounts: 0, contacts: 0, deals: 0, activities: 0 });
    const [{ count }] = await db.dataSource.query(
      `SELECT count(*)::int AS count FROM tool_runner.crm_accounts WHERE tenant_id = $1`,
      [TENANT_A],
    );
    expect(count).toBe(6);
  });

  it('finds a prospect by email (case-insensitive): contact, account, open deals, 5 recent activities', async () => {
    const result = await lookup(TENANT_A, { email: 'Maya.Chen@NorthwindPay.com' });
    expect(result.found).toBe(true);
    expect(result.contact).toMatchObject({
      name: 'Maya Chen',
      email: 'maya.chen@northwindpay.com',
      title: 'Head of Product',
    });
    expect(result.account).toMatchObject({
      name: 'Northwind Pay',
      industry: 'Fintech (payments)',
      employeeCount: 420,
    });
    expect(result.openDeals).toEqual([
      expect.objectContaining({ stage: 'proposal', amount: 48000, currency: 'USD', closeDate: '2026-04-01' }),
      expect.objectContaining({ stage: 'discovery', amount: 12000, closeDate: '2026-05-16' }),
    ]);
    expect(result.recentActivities).toHaveLength(5);
    const times = result.recentActivities.map((a) => a.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(result.recentActivities[0].subject).toMatch(/^Champion: Maya/);
    expect(result.recentActivities[1]).toMatchObject({ type: 'email', contactName: 'Priya Raman' });
    // The oldest of the six activities is left out.
    expect(result.recentActivities.map((a) => a.subject)).not.toContain(
      'Discovery call: funnel analysis for merchant onboarding',
    );
  });

  it('finds an account by company name or domain, without a contact, and leaves closed deals out', async () => {
    const byName = await lookup(TENANT_A, { company: 'cobalt' });
    expect(byName).toMatchObject({ found: true, contact: null, account: { name: 'Cobalt Freight' } });
    expect(byName.openDeals.map((d) => d.stage)).toEqual(['negotiation']);
    const byDomain = await lookup(TENANT_A, { company: 'kestrelsec.com' });
    expect(byDomain.account?.name).toBe('Kestrel Security');
    expect(byDomain.openDeals.map((d) => d.name)).toEqual(['Kestrel Security - Re-engagement']);
  });

  it('finds a contact by name within a company, and falls back to the company for an unknown email', async () => {
    const byName = await lookup(TENANT_A, { name: 'lena', company: 'Cobalt' });
    expect(byName.contact?.name).toBe('Lena Fischer');
    const unknownPerson = await lookup(TENANT_A, {
      email: 'new.person@helixhealth.io',
      company: 'Helix Health',
    });
    expect(unknownPerson).toMatchObject({ found: true, contact: null, account: { name: 'Helix Health' } });
  });

  it('returns found=false when nothing matches; wildcards in input are literal', async () => {
    const empty = { found: false, contact: null, account: null, openDeals: [], recentActivities: [] };
    expect(await lookup(TENANT_A, { email: 'nobody@example.com' })).toEqual(empty);
    expect(await lookup(TENANT_A, { company: '%%' })).toEqual(empty);
  });

  it('isolates tenants: another tenant sees none of these rows, and its own seed is separate', async () => {
    expect((await lookup(TENANT_B, { email: 'maya.chen@northwindpay.com' })).found).toBe(false);
    expect((await lookup(TENANT_B, { company: 'Northwind' })).found).toBe(false);

    const seeded = await seedDemoCrm(db.dataSource.manager, TENANT_B);
    expect(seeded.accounts).toBe(6);
    const a = await lookup(TENANT_A, { email: 'maya.chen@northwindpay.com' });
    const b = await lookup(TENANT_B, { email: 'maya.chen@northwindpay.com' });
    expect(b.contact?.id).not.toBe(a.contact?.id);
    expect(b.account?.id).not.toBe(a.account?.id);
    // A row only tenant A has stays invisible to tenant B.
    await db.dataSource.query(
      `INSERT INTO tool_runner.crm_contacts (id, tenant_id, account_id, first_name, last_name, email)
       VALUES ($1, $2, $3, 'Only', 'Alpha', 'only.alpha@northwindpay.com')`,
      [deriveId('only-alpha'), TENANT_A, a.account?.id],
    );
    expect((await lookup(TENANT_A, { email: 'only.alpha@northwindpay.com' })).found).toBe(true);
    expect((await lookup(TENANT_B, { email: 'only.alpha@northwindpay.com' })).found).toBe(false);
  });

  it('cannot link a row to another tenant’s account (composite foreign keys)', async () => {
    const a = await lookup(TENANT_A, { company: 'Lumen Retail' });
    await expect(
      db.dataSource.query(
        `INSERT INTO tool_runner.crm_contacts (id, tenant_id, account_id, first_name, last_name)
         VALUES ($1, $2, $3, 'Cross', 'Tenant')`,
        [deriveId('cross'), TENANT_B, a.account?.id],
      ),
    ).rejects.toThrow(/crm_contacts_account_fk/);
  });
});
