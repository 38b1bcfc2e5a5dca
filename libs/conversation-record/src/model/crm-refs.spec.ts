import { chooseCrmRefs, crmRefsOfToolResult, type CrmRefSource } from './crm-refs';

const t = (minute: number): Date => new Date(Date.UTC(2025, 0, 15, 10, minute));

const lookup = {
  found: true,
  contact: { id: 'contact-1', name: 'Dana Scott', email: null, title: null, phone: null },
  account: { id: 'account-1', name: 'Acme' },
  openDeals: [{ id: 'deal-1' }, { id: 'deal-2' }],
  recentActivities: [],
};

describe('crmRefsOfToolResult', () => {
  it('reads the contact, account and first open deal of a prospect lookup', () => {
    expect(crmRefsOfToolResult('crm_lookup_prospect', lookup)).toEqual({
      contactId: 'contact-1',
      accountId: 'account-1',
      dealId: 'deal-1',
    });
  });

  it('reads the account and its first open deal, and the deal of a deal history', () => {
    expect(
      crmRefsOfToolResult('crm_get_account', { found: true, account: { id: 'a' }, openDeals: [{ id: 'd' }] }),
    ).toEqual({ accountId: 'a', dealId: 'd' });
    expect(crmRefsOfToolResult('crm_get_deal_history', { found: true, deal: { id: 'd9' } })).toEqual({
      dealId: 'd9',
    });
  });

  it('names nothing for results that found nothing, other tools or unexpected shapes', () => {
    expect(crmRefsOfToolResult('crm_lookup_prospect', { ...lookup, found: false })).toEqual({});
    expect(crmRefsOfToolResult('kb_search', lookup)).toEqual({});
    expect(crmRefsOfToolResult('crm_lookup_prospect', null)).toEqual({});
    expect(crmRefsOfToolResult('crm_lookup_prospect', [lookup])).toEqual({});
    expect(
      crmRefsOfToolResult('crm_lookup_prospect', {
        found: true,
        contact: null,
        account: { id: 42 },
        openDeals: [],
      }),
    ).toEqual({ contactId: undefined, accountId: undefined, dealId: undefined });
    expect(
      crmRefsOfToolResult('crm_get_deal_history', { found: true, deal: { id: 'x'.repeat(129) } }),
    ).toEqual({
      dealId: undefined,
    });
  });
});

describe('chooseCrmRefs', () => {
  const sources: CrmRefSource[] = [
    { accountId: 'account-late', dealId: 'deal-late', at: t(9), key: 'b' },
    { contactId: 'contact-1', accountId: 'account-1', dealId: 'deal-1', at: t(2), key: 'a' },
    { dealId: 'deal-change', at: t(1), key: 'c' },
  ];

  it('keeps the earliest known value of each reference, by event time', () => {
    expect(chooseCrmRefs({ name: 'Dana' }, sources)).toEqual({
      contactId: 'contact-1',
      accountId: 'account-1',
      dealId: 'deal-change',
    });
  });

  it("prefers the prospect reference's contact id", () => {
    expect(chooseCrmRefs({ crmContactId: 'crm-7' }, sources).contactId).toBe('crm-7');
    expect(chooseCrmRefs({ crmContactId: 'crm-7' }, []).contactId).toBe('crm-7');
  });

  it('is null where nothing is known, and breaks time ties by key', () => {
    expect(chooseCrmRefs(null, [])).toEqual({ contactId: null, accountId: null, dealId: null });
    const tie: CrmRefSource[] = [
      { dealId: 'deal-z', at: t(1), key: 'z' },
      { dealId: 'deal-a', at: t(1), key: 'a' },
    ];
    expect(chooseCrmRefs(null, tie).dealId).toBe('deal-a');
    expect(chooseCrmRefs(null, [...tie].reverse()).dealId).toBe('deal-a');
  });

  it('does not depend on the order of the sources', () => {
    const expected = chooseCrmRefs(null, sources);
    expect(chooseCrmRefs(null, [...sources].reverse())).toEqual(expected);
    expect(chooseCrmRefs(null, [sources[1], sources[2], sources[0]])).toEqual(expected);
  });
});
