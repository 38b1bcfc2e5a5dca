import type { GroundingSource, ReplyGeneratedData } from '@lib/contracts';
import { extractClaims } from './claims';
import {
  assessGroundedness,
  citationValidity,
  latencyStages,
  schemaValidity,
  scoreReply,
} from './reply-scores';

const toolCallId = '00000000-0000-4000-8000-000000000001';
const grounding: GroundingSource[] = [
  {
    sourceId: 'kb:annual-plans#0',
    kind: 'knowledge_base',
    toolCallId,
    title: 'Annual plans',
    source: 'posthog/annual-plans.md',
    text: `* Our annual plans are credit-based, meaning you get a discount on pre-paid PostHog credit.
* We'll ask you to sign an order form which captures the credit amount, term, discount percentage and payment terms (Net 30 by default).`,
  },
  {
    sourceId: 'crm:contact:c-1',
    kind: 'crm',
    toolCallId,
    title: 'Jane Doe',
    source: 'crm',
    text: 'Contact: Jane Doe, VP Data at Acme Corp.',
  },
];

function reply(overrides: Partial<ReplyGeneratedData> = {}): ReplyGeneratedData {
  return {
    conversationId: '00000000-0000-4000-8000-0000000000c1',
    turnId: '00000000-0000-4000-8000-0000000000f1',
    replyId: '00000000-0000-4000-8000-0000000000e1',
    kind: 'reply',
    text: 'Hi Jane, thanks for your question.',
    citations: [],
    grounding,
    toolCallIds: [toolCallId],
    model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'offline-2026-11' },
    usage: { inputTokens: 10, outputTokens: 10 },
    timing: {
      turnReceivedAt: '2026-11-24T10:00:00.000Z',
      orchestrationStartedAt: '2026-11-24T10:00:00.120Z',
      toolsMs: 300,
      generationMs: 5,
    },
    generatedAt: '2026-11-24T10:00:00.500Z',
    ...overrides,
  };
}

const options = { groundednessThreshold: 0.6, claimSupportRatio: 0.6 };
const cite = [{ sourceId: 'kb:annual-plans#0', title: 'Annual plans', source: 'posthog/annual-plans.md' }];

describe('claims', () => {
  it('ignores greetings, acknowledgements and follow-up offers', () => {
    const claims = extractClaims(
      'Hi Jane, I understand budget matters.\n\nAnnual plans are credit-based.\n\nHappy to go into more detail or set up a call.',
    );
    expect(claims).toEqual(['Annual plans are credit-based.']);
    expect(
      extractClaims("Hi, thanks for your question. I'll check with the team and follow up with the details."),
    ).toEqual([]);
  });
});

describe('groundedness', () => {
  it('scores a reply copied from the passages as fully grounded', () => {
    const text = `Hi Jane, thanks for your question.

Our annual plans are credit-based, meaning you get a discount on pre-paid PostHog credit. We'll ask you to sign an order form which captures the credit amount, term, discount percentage and payment terms (Net 30 by default).

Happy to go into more detail or set up a call.`;
    const scores = scoreReply(reply({ text, citations: cite }), options);
    expect(scores.groundedness).toBe(1);
    expect(scores.grounded).toBe(true);
    expect(scores.claims).toHaveLength(2);
    expect(scores.claims[0].sourceId).toBe('kb:annual-plans#0');
    expect(scores.schemaValid).toBe(true);
    expect(scores.citationValidity).toBe(1);
  });

  it('scores an invented reply low and lists its unsupported claims', () => {
    const text =
      'Our enterprise tier costs $20 per seat and includes unlimited SSO. We are ISO 27001 certified since 2019. Annual plans are credit-based.';
    const { groundedness, claims } = assessGroundedness(text, grounding, 0.6);
    expect(groundedness).toBeCloseTo(1 / 3);
    expect(claims.filter((c) => !c.supported).map((c) => c.claim)).toEqual([
      'Our enterprise tier costs $20 per seat and includes unlimited SSO.',
      'We are ISO 27001 certified since 2019.',
    ]);
    expect(scoreReply(reply({ text, citations: cite }), options).grounded).toBe(false);
  });

  it('does not count a claim supported by words scattered over two sources', () => {
    // "Jane", "Acme" come from the CRM; "discount", "credit" from the passage: no single source has them all.
    const { claims } = assessGroundedness('Jane Doe Acme Corp gets discount credit.', grounding, 0.7);
    expect(claims[0].supported).toBe(false);
  });

  it('treats a reply with no claims (a follow-up) as grounded', () => {
    const scores = scoreReply(
      reply({
        text: "Hi, thanks for your question. I'll check with the team and follow up with the details.",
        grounding: [],
      }),
      options,
    );
    expect(scores).toMatchObject({ groundedness: 1, grounded: true, citationValidity: 1, schemaValid: true });
  });
});

describe('citation validity', () => {
  it('is the share of citations pointing at grounding sources', () => {
    expect(citationValidity(cite, grounding)).toBe(1);
    expect(citationValidity([...cite, { sourceId: 'kb:made-up' }], grounding)).toBe(0.5);
    expect(citationValidity([{ sourceId: 'kb:made-up' }], [])).toBe(0);
    expect(citationValidity([], [])).toBe(1);
  });
});

describe('schema validity', () => {
  it('requires citations when context was available and the reply makes claims', () => {
    expect(schemaValidity(reply({ text: 'Annual plans are credit-based.' }), 1)).toEqual({
      valid: false,
      issues: ['citations: empty although grounding was available and the reply makes claims'],
    });
    expect(schemaValidity(reply({ text: 'Annual plans are credit-based.', citations: cite }), 1).valid).toBe(
      true,
    );
  });

  it('rejects a payload that does not match the contract', () => {
    const result = schemaValidity({ ...reply(), text: '', usage: { inputTokens: -1, outputTokens: 0 } }, 0);
    expect(result.valid).toBe(false);
    expect(result.issues.join(' ')).toMatch(/text/);
    expect(result.issues.join(' ')).toMatch(/usage\.inputTokens/);
  });
});

describe('latency', () => {
  it('computes the stages from the reply timing', () => {
    expect(latencyStages(reply())).toEqual({
      totalMs: 500,
      stages: { queue: 120, tools: 300, generation: 5, total: 500 },
    });
  });

  it('adds one stage per tool, summing its calls, when the orchestrator reported them', () => {
    const base = reply();
    const id = (n: number) => `00000000-0000-4000-8000-00000000010${n}`;
    const timed = reply({
      timing: {
        ...base.timing,
        tools: [
          { tool: 'knowledge_search', toolCallId: id(1), durationMs: 120 },
          { tool: 'crm_lookup', toolCallId: id(2), durationMs: 40 },
          { tool: 'knowledge_search', toolCallId: id(3), durationMs: 80 },
        ],
      },
    });
    expect(latencyStages(timed).stages).toEqual({
      queue: 120,
      tools: 300,
      'tool.knowledge_search': 200,
      'tool.crm_lookup': 40,
      generation: 5,
      total: 500,
    });
  });
});
