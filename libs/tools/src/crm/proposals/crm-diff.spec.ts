import { buildCreationDiff, buildUpdateDiff, sameValue, staleFields } from './crm-diff';

describe('CRM diffs', () => {
  const deal = {
    name: 'Northwind Pay - annual',
    stage: 'proposal',
    amount: '48000.00',
    closeDate: '2026-04-01',
  };

  it('keeps only requested fields whose value changes, numbers compared by value', () => {
    expect(
      buildUpdateDiff(deal, { stage: 'negotiation', amount: 48000, closeDate: undefined, name: deal.name }),
    ).toEqual({ stage: { from: 'proposal', to: 'negotiation' } });
    expect(buildUpdateDiff(deal, { amount: 52000 })).toEqual({ amount: { from: '48000.00', to: 52000 } });
    expect(buildUpdateDiff(deal, { stage: 'proposal' })).toEqual({});
  });

  it('refuses a field the record does not have', () => {
    expect(() => buildUpdateDiff(deal, { tenantId: 'other' })).toThrow(/unknown field tenantId/);
  });

  it('describes a new record as every given field from null', () => {
    expect(
      buildCreationDiff({ subject: 'Send the SOC 2 report', dueDate: '2026-03-10', notes: undefined }),
    ).toEqual({
      subject: { from: null, to: 'Send the SOC 2 report' },
      dueDate: { from: null, to: '2026-03-10' },
    });
  });

  it('finds stale fields: the record changed since the proposal', () => {
    const diff = { stage: { from: 'proposal', to: 'negotiation' }, amount: { from: 48000, to: 50000 } };
    expect(staleFields(diff, { stage: 'proposal', amount: '48000.00' })).toEqual([]);
    expect(staleFields(diff, { stage: 'negotiation', amount: 48000 })).toEqual(['stage']);
    expect(staleFields(diff, { stage: 'proposal', amount: 49000 })).toEqual(['amount']);
    expect(sameValue(null, 0)).toBe(false);
    expect(sameValue('abc', 'abc')).toBe(true);
  });
});
