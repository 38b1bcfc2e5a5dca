import type { PromptVersionComparison, PromptVersionRow } from './prompt-versions.schema';
import { displayWidth, formatPromptVersionTable } from './prompt-versions.table';

const row = (overrides: Partial<PromptVersionRow> & Pick<PromptVersionRow, 'promptVersion' | 'model'>) => ({
  replies: 12,
  quality: {
    evaluated: 12,
    groundedness: 0.9123,
    groundedShare: 0.9167,
    citationValidity: 1,
    policyFlags: 3,
  },
  satisfaction: {
    feedback: 4,
    turnFeedback: 3,
    conversationFeedback: 1,
    ratings: 3,
    averageRating: 4.3333,
    thumbsUp: 2,
    thumbsDown: 1,
    thumbsUpShare: 0.6667,
  },
  latency: { measured: 12, p50Ms: 2140, p95Ms: 10870 },
  usage: {
    inputTokensPerTurn: 3000,
    outputTokensPerTurn: 250.5,
    tokensPerTurn: 3250.5,
    costed: 12,
    costPerTurnUsd: 0.012964,
  },
  ...overrides,
});

const comparison: PromptVersionComparison = {
  from: '2025-03-01T00:00:00.000Z',
  to: '2025-03-31T00:00:00.000Z',
  model: null,
  items: [
    row({ promptVersion: 'sales-assistant-v1', model: 'claude-sonnet-4-5' }),
    row({
      promptVersion: 'v2',
      model: 'rules',
      replies: 1,
      quality: {
        evaluated: 0,
        groundedness: null,
        groundedShare: null,
        citationValidity: null,
        policyFlags: 0,
      },
      satisfaction: {
        feedback: 0,
        turnFeedback: 0,
        conversationFeedback: 0,
        ratings: 0,
        averageRating: null,
        thumbsUp: 0,
        thumbsDown: 0,
        thumbsUpShare: null,
      },
      latency: { measured: 0, p50Ms: null, p95Ms: null },
      usage: {
        inputTokensPerTurn: 7,
        outputTokensPerTurn: 3,
        tokensPerTurn: 10,
        costed: 0,
        costPerTurnUsd: null,
      },
    }),
  ],
};

describe('formatPromptVersionTable', () => {
  it('prints an aligned table: text left, numbers right, - for what is missing', () => {
    expect(formatPromptVersionTable(comparison)).toBe(
      [
        'Prompt versions, replies generated in [2025-03-01T00:00:00.000Z, 2025-03-31T00:00:00.000Z)',
        'prompt version      model              replies  groundedness  grounded  citations  policy flags  feedback  rating     👍      p50       p95  tokens/turn  cost/turn',
        '------------------  -----------------  -------  ------------  --------  ---------  ------------  --------  ------  -----  -------  --------  -----------  ---------',
        'sales-assistant-v1  claude-sonnet-4-5       12         0.912     91.7%      1.000             3         4    4.33  66.7%  2140 ms  10870 ms       3250.5  $0.012964',
        'v2                  rules                    1             -         -          -             0         0       -      -        -         -         10.0          -',
        '',
      ].join('\n'),
    );
  });

  it('says so when there is nothing in the range, and names the model filter', () => {
    expect(formatPromptVersionTable({ ...comparison, model: 'rules', items: [] })).toBe(
      'Prompt versions, replies generated in [2025-03-01T00:00:00.000Z, 2025-03-31T00:00:00.000Z), model rules\n' +
        'no replies in the range\n',
    );
  });

  it('puts the tenant first in the per-tenant view', () => {
    const lines = formatPromptVersionTable({
      ...comparison,
      items: [{ tenantId: 'tenant-1', ...comparison.items[1] }],
    }).split('\n');
    expect(lines[1]).toMatch(/^tenant {4}prompt version {2}model /);
    expect(lines[3]).toMatch(/^tenant-1 {2}v2 {14}rules /);
  });

  it('measures the terminal width of wide characters', () => {
    expect(displayWidth('👍')).toBe(2);
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('é')).toBe(1);
  });
});
