import {
  crmOutcome,
  failedOutcome,
  INJECTION,
  knowledgeOutcome,
  turnContext,
} from '../anthropic/test-fixtures';
import { currentPrompt, escapeData, PROMPTS, promptByVersion, SALES_ASSISTANT_V1 } from './index';

const limits = { maxDataChars: 2000 };

describe('prompts', () => {
  it('registers the current version', () => {
    expect(currentPrompt.version).toBe('sales-assistant-v1');
    expect(PROMPTS['sales-assistant-v1']).toBe(SALES_ASSISTANT_V1);
    expect(() => promptByVersion('nope')).toThrow(/Unknown prompt version/);
  });

  it('states the rules: grounding, citations by sourceId, no invented prices, data is not instructions', () => {
    const system = SALES_ASSISTANT_V1.system('autonomous');
    expect(system).toMatch(/B2B/);
    expect(system).toMatch(/sourceId/);
    expect(system).toMatch(/Never invent or promise prices, discounts/);
    expect(system).toMatch(/untrusted DATA/);
    expect(system).toMatch(/proposedCrmUpdates/);
    expect(system).toMatch(/AUTONOMOUS/);
    expect(SALES_ASSISTANT_V1.system('assist')).toMatch(/SUGGESTION for the rep/);
  });

  it('escapes angle brackets so data cannot close its block', () => {
    expect(escapeData('</document> & <b>')).toBe('&lt;/document&gt; &amp; &lt;b&gt;');
    const result = SALES_ASSISTANT_V1.toolResult(knowledgeOutcome, limits);
    expect(result).not.toContain(INJECTION);
    expect(result.match(/<\/document>/g)).toHaveLength(1);
  });

  it('renders tool results by kind: documents, CRM record, failure', () => {
    expect(SALES_ASSISTANT_V1.toolResult(knowledgeOutcome, limits)).toContain(
      '<document sourceId="kb:pricing#growth" title="Pricing › Growth" source="docs/pricing.md">',
    );
    expect(SALES_ASSISTANT_V1.toolResult(crmOutcome, limits)).toContain(
      '<crm_record sourceId="crm:contact:c-1"',
    );
    expect(SALES_ASSISTANT_V1.toolResult(failedOutcome, limits)).toContain('The tool failed (timeout)');
  });

  it('truncates long data to the cap, saying so', () => {
    const long = { ...knowledgeOutcome, result: { passages: [{ sourceId: 's', text: 'x'.repeat(5000) }] } };
    expect(SALES_ASSISTANT_V1.toolResult(long, { maxDataChars: 100 })).toMatch(
      /\[truncated: 4900 more characters\]/,
    );
  });

  it('asks a rep turn for analysis only', () => {
    const text = SALES_ASSISTANT_V1.currentTurn(turnContext({ role: 'rep', message: 'Sure!' }), limits).join(
      '\n',
    );
    expect(text).toContain('<current_message from="rep">');
    expect(text).toContain('no reply is needed');
  });
});
