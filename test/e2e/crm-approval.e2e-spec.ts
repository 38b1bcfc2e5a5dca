import { Client } from 'pg';
import { eventually } from '@lib/testing';
import type { EventStream } from './api-client';
import { DistributedStack, type TenantCredentials } from './distributed-stack';

interface ProposalView {
  proposalId: string;
  conversationId: string;
  entity: string;
  entityId: string;
  kind: string;
  diff: Record<string, { from: unknown; to: unknown }>;
  evidence: string;
  evidenceOrigin: string;
  source: string;
  status: string;
  decidedBy: string | null;
  auditTrail?: { action: string; actor: string }[];
}

/**
 * Issue 4, end to end on the real Kafka broker and PostgreSQL, with the offline model: a price objection
 * makes the analysis propose moving the prospect's deal to `negotiation`; the tool-runner turns it into a
 * proposal (`crm.change.proposed`, relayed on the SSE stream); the rep approves it through the gateway; the
 * deal's stage changes in the tool-runner's CRM and `crm.change.applied` reaches the stream and the record.
 */
describe('CRM approval: objection → proposed deal-stage change → rep approves → applied', () => {
  const stack = new DistributedStack();
  let tenant: TenantCredentials;
  let other: TenantCredentials;
  let events: EventStream | undefined;
  let db: Client;

  beforeAll(async () => {
    await stack.start();
    tenant = await stack.createTenant('crm-approvals', { demoCrm: true });
    other = await stack.createTenant('crm-other', { demoCrm: true });
    db = new Client({ connectionString: stack.database.url });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    events?.close();
    await db?.end();
    await stack.stop();
  }, 90_000);

  const streamed = (name: string): { data: Record<string, unknown> }[] =>
    (events?.events ?? [])
      .filter((e) => e.event === name)
      .map((e) => JSON.parse(e.data) as { data: Record<string, unknown> });

  const dealStage = async (tenantId: string, dealId: string): Promise<string | undefined> =>
    (
      await db.query<{ stage: string }>(
        'SELECT stage FROM tool_runner.crm_deals WHERE tenant_id = $1 AND id = $2',
        [tenantId, dealId],
      )
    ).rows[0]?.stage;

  it('proposes, lists, refuses another tenant, applies on approval exactly once', async () => {
    try {
      const { client } = tenant;
      const created = await client.json<{ id: string }>('POST', '/v1/conversations', {
        mode: 'assist',
        prospect: { email: 'maya.chen@northwindpay.com' },
        title: 'Northwind Pay pricing',
      });
      expect(created.status).toBe(201);
      const conversationId = created.body.id;
      events = await client.openEvents(conversationId);

      const turn = await client.json<{ turnId: string }>(
        'POST',
        `/v1/conversations/${conversationId}/turns`,
        {
          role: 'prospect',
          text: 'Honestly, the annual plan is too expensive for us. What can you do on the price?',
        },
      );
      expect(turn.status).toBe(202);

      // The analysis proposes the stage change; the tool-runner makes it a proposal, relayed on the stream.
      const proposed = await eventually(
        async () => streamed('crm.change.proposed')[0]?.data,
        90_000,
        'crm.change.proposed on the SSE stream',
      );
      expect(proposed).toMatchObject({
        conversationId,
        turnId: turn.body.turnId,
        entity: 'deal',
        kind: 'update_deal',
        diff: { stage: { from: 'proposal', to: 'negotiation' } },
        evidenceOrigin: 'prospect',
        source: 'analysis',
        status: 'proposed',
      });
      const proposalId = String(proposed.proposalId);
      const dealId = String(proposed.entityId);
      expect(await dealStage(tenant.tenantId, dealId)).toBe('proposal');

      const list = await client.json<{ proposals: ProposalView[] }>(
        'GET',
        `/v1/crm/proposals?status=proposed&conversationId=${conversationId}`,
      );
      expect(list.status).toBe(200);
      expect(list.body.proposals.map((p) => p.proposalId)).toEqual([proposalId]);

      // Another tenant's key neither sees nor decides it.
      const foreign = await other.client.json<{ proposals: ProposalView[] }>('GET', '/v1/crm/proposals');
      expect(foreign.body.proposals).toEqual([]);
      const foreignApprove = await other.client.request('POST', `/v1/crm/proposals/${proposalId}/approve`);
      expect(foreignApprove.status).toBe(404);
      expect(await dealStage(tenant.tenantId, dealId)).toBe('proposal');

      const approved = await client.json<ProposalView>('POST', `/v1/crm/proposals/${proposalId}/approve`);
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({
        proposalId,
        status: 'applied',
        decidedBy: expect.stringMatching(/^api-key:/),
      });
      expect(approved.body.auditTrail?.map((a) => a.action)).toEqual(['proposed', 'approved', 'applied']);
      expect(await dealStage(tenant.tenantId, dealId)).toBe('negotiation');

      const applied = await eventually(
        async () => streamed('crm.change.applied')[0]?.data,
        60_000,
        'crm.change.applied on the SSE stream',
      );
      expect(applied).toMatchObject({ proposalId, entityId: dealId, diff: { stage: { to: 'negotiation' } } });

      // Approving again changes nothing: same answer, no second event, the history has one stage change.
      const again = await client.json<ProposalView>('POST', `/v1/crm/proposals/${proposalId}/approve`);
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('applied');
      const history = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM tool_runner.crm_deal_stage_history WHERE deal_id = $1',
        [dealId],
      );
      expect(Number(history.rows[0].n)).toBe(1);

      // Rejecting an applied change is a conflict.
      const reject = await client.request('POST', `/v1/crm/proposals/${proposalId}/reject`, {
        reason: 'late',
      });
      expect(reject.status).toBe(409);

      // Persistence keeps the proposal and its outcome.
      const stored = await eventually(
        async () =>
          (
            await db.query<{ status: string; decided_by: string }>(
              'SELECT status, decided_by FROM persistence.crm_changes WHERE proposal_id = $1',
              [proposalId],
            )
          ).rows.find((r) => r.status === 'applied'),
        30_000,
        'the applied change in persistence.crm_changes',
      );
      expect(stored.decided_by).toMatch(/^api-key:/);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(streamed('crm.change.applied')).toHaveLength(1);
    } catch (error) {
      throw new Error(`${String(error)}\n${stack.output()}`);
    }
  }, 240_000);
});
