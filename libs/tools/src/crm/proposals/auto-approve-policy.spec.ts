import { evaluateAutoApprove, type AutoApprovePolicy } from './auto-approve-policy';

describe('evaluateAutoApprove', () => {
  const policy: AutoApprovePolicy = {
    enabled: true,
    allowedKinds: ['update_deal', 'create_task'],
    allowedFields: ['stage', 'amount', 'closeDate'],
    maxAmountChangePct: 10,
    maxStageAdvance: 1,
  };
  const deal = (diff: Record<string, { from: string | number | null; to: string | number | null }>) => ({
    kind: 'update_deal' as const,
    diff,
    evidenceOrigin: 'prospect' as const,
  });

  it('approves a one-step stage advance and an amount change within the bound', () => {
    expect(evaluateAutoApprove(policy, deal({ stage: { from: 'proposal', to: 'negotiation' } }))).toEqual({
      autoApprove: true,
    });
    expect(evaluateAutoApprove(policy, deal({ amount: { from: '48000.00', to: 52800 } }))).toEqual({
      autoApprove: true,
    });
    expect(
      evaluateAutoApprove(policy, {
        kind: 'create_task',
        diff: { subject: { from: null, to: 'Call' } },
        evidenceOrigin: 'prospect',
      }),
    ).toEqual({ autoApprove: true });
  });

  it('refuses changes beyond the bounds', () => {
    expect(evaluateAutoApprove(policy, deal({ amount: { from: '48000.00', to: 52801 } }))).toMatchObject({
      autoApprove: false,
      reason: expect.stringMatching(/10\.0% \(bound 10%\)/),
    });
    expect(evaluateAutoApprove(policy, deal({ stage: { from: 'discovery', to: 'proposal' } }))).toMatchObject(
      {
        autoApprove: false,
        reason: 'stage advances 2 steps (bound 1)',
      },
    );
    expect(
      evaluateAutoApprove(policy, deal({ stage: { from: 'negotiation', to: 'proposal' } })),
    ).toMatchObject({
      reason: 'a stage may only advance',
    });
    expect(
      evaluateAutoApprove(policy, deal({ stage: { from: 'negotiation', to: 'closed_won' } })),
    ).toMatchObject({
      reason: 'only open stages are auto-approved',
    });
    expect(evaluateAutoApprove(policy, deal({ amount: { from: '0', to: 10 } }))).toMatchObject({
      autoApprove: false,
    });
  });

  it('refuses fields and kinds the policy does not list, and missing bounds', () => {
    expect(evaluateAutoApprove(policy, deal({ name: { from: 'a', to: 'b' } }))).toMatchObject({
      reason: 'field name is not auto-approved',
    });
    expect(
      evaluateAutoApprove(policy, { kind: 'log_activity', diff: {}, evidenceOrigin: 'prospect' }),
    ).toMatchObject({ reason: 'kind log_activity is not auto-approved' });
    expect(
      evaluateAutoApprove(
        { ...policy, maxStageAdvance: null },
        deal({ stage: { from: 'proposal', to: 'negotiation' } }),
      ),
    ).toMatchObject({ reason: 'stage changes have no bound' });
  });

  it('never auto-approves without a policy, when disabled, or when the evidence is not the prospect’s', () => {
    const change = deal({ stage: { from: 'proposal', to: 'negotiation' } });
    expect(evaluateAutoApprove(undefined, change).autoApprove).toBe(false);
    expect(evaluateAutoApprove({ ...policy, enabled: false }, change).autoApprove).toBe(false);
    expect(evaluateAutoApprove(policy, { ...change, evidenceOrigin: 'unverified' })).toEqual({
      autoApprove: false,
      reason: 'evidence is not a quote of the prospect',
    });
    expect(evaluateAutoApprove(policy, { ...change, evidenceOrigin: 'rep' }).autoApprove).toBe(false);
  });
});
