import { crmProfile, groundingSources, knowledgePassages, type ToolOutcome } from './tool-outcomes';

const kbCall = '00000000-0000-4000-8000-00000000000a';
const crmCall = '00000000-0000-4000-8000-00000000000b';

describe('tool outcome normalisation', () => {
  it('reads passages in several shapes, best score first, skipping unusable items and failed calls', () => {
    const outcomes: ToolOutcome[] = [
      {
        toolCallId: kbCall,
        tool: 'knowledge_search',
        status: 'completed',
        result: {
          passages: [
            { sourceId: 'a', title: 'A', section: 'Intro', source: 'a.md', text: 'alpha', score: 0.2 },
            { id: 'b', title: 'B', path: 'b.md', content: 'beta', score: 0.8 },
            { title: 'no id', text: 'dropped' },
          ],
        },
      },
      {
        toolCallId: crmCall,
        tool: 'knowledge_search',
        status: 'failed',
        error: { code: 'x', message: 'y', retryable: false },
      },
    ];
    expect(knowledgePassages(outcomes).map((p) => [p.sourceId, p.title, p.source, p.text])).toEqual([
      ['b', 'B', 'b.md', 'beta'],
      ['a', 'A › Intro', 'a.md', 'alpha'],
    ]);
  });

  it('builds the CRM profile and renders it as a grounding source', () => {
    const outcomes: ToolOutcome[] = [
      {
        toolCallId: crmCall,
        tool: 'crm_lookup_prospect',
        status: 'completed',
        result: {
          found: true,
          contact: { id: 'c-7', name: 'Jane Doe', email: 'jane@acme.io', title: 'VP Data', phone: null },
          account: {
            id: 'acc-1',
            name: 'Acme Corp',
            domain: 'acme.io',
            industry: 'Retail',
            description: null,
          },
          openDeals: [
            {
              id: 'd-1',
              name: 'Acme analytics',
              stage: 'proposal',
              amount: 48000,
              currency: 'USD',
              closeDate: null,
            },
          ],
          recentActivities: [
            {
              id: 'x',
              type: 'call',
              subject: 'Intro call',
              notes: null,
              occurredAt: '2026-11-02T10:00:00Z',
              contactName: null,
            },
          ],
        },
      },
    ];
    const profile = crmProfile(outcomes);
    expect(profile).toMatchObject({
      sourceId: 'crm:contact:c-7',
      firstName: 'Jane',
      companyName: 'Acme Corp',
    });
    const [source] = groundingSources([], profile);
    expect(source).toMatchObject({ sourceId: 'crm:contact:c-7', kind: 'crm', toolCallId: crmCall });
    expect(source.text).toContain('Contact: Jane Doe, VP Data at Acme Corp.');
    expect(source.text).toContain('Deal: Acme analytics, stage proposal, amount 48000 USD.');
    expect(source.text).toContain('Recent call on 2026-11-02: Intro call.');
    expect(crmProfile([{ ...outcomes[0], result: { found: false } } as ToolOutcome])).toBeUndefined();
  });
});
