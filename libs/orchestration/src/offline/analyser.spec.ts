import { analyseMessage, detectSentiment, extractEntities } from './analyser';
import type { CrmProfile } from '../model/tool-outcomes';

const crm: CrmProfile = {
  sourceId: 'crm:contact:c-1',
  toolCallId: '00000000-0000-4000-8000-000000000001',
  contactName: 'Jane Doe',
  firstName: 'Jane',
  companyName: 'Acme Corp',
  deals: [{ name: 'Acme analytics', stage: 'Qualification' }],
  activities: [],
};

const intentNames = (text: string, profile?: CrmProfile): string[] =>
  analyseMessage(text, profile).intents.map((i) => i.name);

describe('offline analyser', () => {
  it('classifies a pricing question as pricing_inquiry, first', () => {
    const analysis = analyseMessage('How much does the annual plan cost per seat?');
    expect(analysis.intents[0].name).toBe('pricing_inquiry');
    expect(analysis.intents[0].confidence).toBeGreaterThan(0.5);
    expect(analysis.buyingSignals.map((s) => s.signal)).toContain('asked_for_pricing');
  });

  it('finds price and competitor objections and the competitor in "too expensive, we use Mixpanel"', () => {
    const analysis = analyseMessage('Honestly this is too expensive, we use Mixpanel already.');
    expect(analysis.objections.map((o) => o.type).sort()).toEqual(['competitor', 'price']);
    expect(analysis.objections.find((o) => o.type === 'price')?.evidence).toContain('too expensive');
    expect(analysis.entities).toContainEqual(
      expect.objectContaining({ type: 'competitor', value: 'Mixpanel' }),
    );
    expect(intentNames('Honestly this is too expensive, we use Mixpanel already.')).toContain('objection');
    expect(analysis.sentiment.label).toBe('negative');
    expect(analysis.stage).toBe('negotiation');
  });

  it('extracts a budget with its currency and normalised amount', () => {
    const entities = extractEntities('Our budget is around $50k for this year, maybe €20,000 more.');
    expect(entities).toContainEqual({ type: 'budget', text: '$50k', value: '50000 USD' });
    expect(entities).toContainEqual({ type: 'budget', text: '€20,000', value: '20000 EUR' });
  });

  it('extracts seats, timelines, email and phone', () => {
    const entities = extractEntities(
      'We need 25 seats by March, rollout in 3 months. Reach me at jane@acme.io or +1 415 555 0100.',
    );
    expect(entities).toContainEqual({ type: 'seats', text: '25 seats', value: '25' });
    expect(entities).toContainEqual(expect.objectContaining({ type: 'timeline', text: 'by March' }));
    expect(entities).toContainEqual({ type: 'timeline', text: 'in 3 months', value: 'P3M' });
    expect(entities).toContainEqual({ type: 'email', text: 'jane@acme.io', value: 'jane@acme.io' });
    expect(entities).toContainEqual({ type: 'phone', text: '+1 415 555 0100', value: '+14155550100' });
  });

  it('recognises the CRM company and contact in the text', () => {
    const entities = extractEntities('Jane Doe here from acme corp.', crm);
    expect(entities).toContainEqual({ type: 'company', text: 'acme corp', value: 'Acme Corp' });
    expect(entities).toContainEqual({ type: 'person', text: 'Jane Doe', value: 'Jane Doe' });
  });

  it('scores sentiment in [-1, 1] with negation', () => {
    const negative = detectSentiment('I am frustrated, the setup was terrible and confusing.');
    expect(negative.label).toBe('negative');
    expect(negative.score).toBeLessThan(-0.5);
    const positive = detectSentiment('Great demo, we love the dashboards!');
    expect(positive.label).toBe('positive');
    expect(detectSentiment('I am not happy with this').label).toBe('negative');
    expect(detectSentiment('What time is it in London').label).toBe('neutral');
  });

  it('detects authority, timing and trust objections', () => {
    const types = analyseMessage(
      "I need to check with my CFO. Not right now anyway. And we're concerned about security of our data.",
    ).objections.map((o) => o.type);
    expect(types).toEqual(expect.arrayContaining(['authority', 'timing', 'trust']));
  });

  it('labels other intents from keyword rules', () => {
    expect(intentNames('Can we get a demo next week?')).toContain('demo_request');
    expect(intentNames('Do you integrate with Salesforce and HubSpot?')).toContain('integration_question');
    expect(intentNames('Are you SOC 2 and GDPR compliant?')[0]).toBe('security_compliance');
    expect(intentNames("We're ready to move forward, send the contract.")[0]).toBe('purchase_intent');
    expect(intentNames('Hello there')).toEqual(['greeting']);
    expect(intentNames('The dashboard is broken and shows an error')).toContain('support_issue');
    expect(intentNames('Tell me a joke about penguins')).toEqual(['other']);
  });

  it('infers the stage from signals, never behind the CRM deal', () => {
    expect(analyseMessage("We're ready to sign, send the order form").stage).toBe('negotiation');
    expect(analyseMessage('How much for 40 seats?').stage).toBe('proposal');
    expect(analyseMessage('Does it support feature flags?').stage).toBe('discovery');
    expect(analyseMessage('Does it support feature flags?', crm).stage).toBe('qualification');
    expect(analyseMessage('Hello')).toMatchObject({ stage: 'prospecting' });
  });
});
