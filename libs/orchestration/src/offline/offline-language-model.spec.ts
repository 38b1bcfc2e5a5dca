import type { TurnContext } from '../model/language-model';
import type { ModelStepRequest, ToolDeclaration } from '../model/model-step';
import { knowledgePassages, type ToolOutcome } from '../model/tool-outcomes';
import { OfflineLanguageModel, sentencePieces, wordGroups } from './offline-language-model';

const tools: ToolDeclaration[] = [
  { name: 'crm_lookup_prospect', description: 'CRM', inputJsonSchema: { type: 'object' } },
  { name: 'knowledge_search', description: 'KB', inputJsonSchema: { type: 'object' } },
];

const context = (overrides: Partial<TurnContext> = {}): TurnContext => ({
  conversationId: '00000000-0000-4000-8000-0000000000c1',
  turnId: '00000000-0000-4000-8000-0000000000f1',
  mode: 'autonomous',
  prospect: { email: 'jane@acme.io' },
  role: 'prospect',
  message: 'How much does it cost? Is there an annual plan discount?',
  history: [],
  tools: [],
  knowledge: [],
  ...overrides,
});

const request = (overrides: Partial<ModelStepRequest> = {}): ModelStepRequest => ({
  context: context(),
  rounds: [],
  tools,
  finalOnly: false,
  ...overrides,
});

const kbOutcome: ToolOutcome = {
  toolCallId: '00000000-0000-4000-8000-00000000000b',
  tool: 'knowledge_search',
  status: 'completed',
  result: {
    passages: [
      {
        sourceId: 'kb:annual.md#0',
        title: 'Annual plans',
        source: 'annual.md',
        score: 5,
        text: 'Annual plans come with a discount on pre-paid credit. Credit can be used on any product.',
      },
    ],
  },
};

describe('OfflineLanguageModel.step', () => {
  const model = new OfflineLanguageModel({ knowledgeLimit: 3 });

  it('asks for the CRM profile and a knowledge search in parallel at the first step of a prospect turn', async () => {
    const step = await model.step(request());
    expect(step.kind).toBe('tool_calls');
    if (step.kind !== 'tool_calls') return;
    expect(step.calls).toEqual([
      { providerCallId: 'offline_0_0', name: 'crm_lookup_prospect', input: { email: 'jane@acme.io' } },
      {
        providerCallId: 'offline_0_1',
        name: 'knowledge_search',
        input: { query: context().message, limit: 3 },
      },
    ]);
  });

  it('asks only for declared tools, and not the CRM without a lookup key', async () => {
    const step = await model.step(
      request({ context: context({ prospect: { crmContactId: 'c-9' } }), tools: tools.slice(0, 1) }),
    );
    expect(step.kind).toBe('final'); // nothing to ask: answers at once
  });

  it('answers with analysis, cited reply and actions once it has the results, streaming sentence by sentence', async () => {
    const outcomes = [kbOutcome];
    const deltas: string[] = [];
    const step = await model.step(
      request({
        context: context({ tools: outcomes, knowledge: knowledgePassages(outcomes) }),
        rounds: [{ calls: [], outcomes }],
        onReplyDelta: (text) => deltas.push(text),
      }),
    );
    expect(step.kind).toBe('final');
    if (step.kind !== 'final') return;
    expect(step.outcome.analysis.intents.map((i) => i.name)).toContain('pricing_inquiry');
    expect(step.outcome.reply?.citations.map((c) => c.sourceId)).toEqual(['kb:annual.md#0']);
    expect(step.outcome.nextBestActions.map((a) => a.action)).toContain(
      'Send pricing and annual plan details',
    );
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(step.outcome.reply?.text);
  });

  it('is deterministic', async () => {
    const outcomes = [kbOutcome];
    const make = () =>
      model.step(
        request({
          context: context({ tools: outcomes, knowledge: knowledgePassages(outcomes) }),
          rounds: [{ calls: [], outcomes }],
        }),
      );
    expect(await make()).toEqual(await make());
  });

  it('gives the final answer at once when told it is the last step', async () => {
    const step = await model.step(request({ finalOnly: true }));
    expect(step.kind).toBe('final');
  });

  it("analyses a rep's turn without tools or reply", async () => {
    const step = await model.step(
      request({ context: context({ role: 'rep', message: 'Let me send the SOC 2 report.' }) }),
    );
    expect(step.kind).toBe('final');
    if (step.kind !== 'final') return;
    expect(step.outcome.reply).toBeUndefined();
    expect(step.outcome.analysis.intents.map((i) => i.name)).toContain('security_compliance');
  });
});

describe('sentencePieces', () => {
  it('splits into sentences that concatenate back to the text', () => {
    const text = 'Hi Jane! Our plans are credit-based. See "Annual plans".\nAnything else?';
    const pieces = sentencePieces(text);
    expect(pieces).toEqual([
      'Hi Jane!',
      ' Our plans are credit-based.',
      ' See "Annual plans".',
      '\nAnything else?',
    ]);
    expect(pieces.join('')).toBe(text);
  });
});

describe('wordGroups', () => {
  it('splits into groups of words that concatenate back to the text', () => {
    const text = 'Hi Jane! Our plans are credit-based. See "Annual plans".\nAnything else? ';
    const pieces = wordGroups(text, 3);
    expect(pieces).toEqual([
      'Hi Jane! Our',
      ' plans are credit-based.',
      ' See "Annual plans".',
      '\nAnything else? ',
    ]);
    expect(pieces.join('')).toBe(text);
    expect(wordGroups('', 3)).toEqual([]);
    expect(wordGroups('  ', 3)).toEqual(['  ']);
  });
});
