import {
  analyseMessage,
  groundingSources,
  writeReply,
  type CrmProfile,
  type KnowledgePassage,
} from '@lib/orchestration';
import { BUILT_IN_COMPETITORS } from '../policy/competitors';
import { checkPolicies } from '../policy/policy-checks';
import { relevance } from '../policy/relevance';
import { scoreReply } from './reply-scores';

// The two libs meet here: whatever the offline writer produces must score as grounded, with valid citations.
// Passage text adapted from PostHog's handbook (MIT, see ../shared/data/kb/posthog/SOURCE.md).
const toolCallId = '00000000-0000-4000-8000-00000000000a';
const knowledge: KnowledgePassage[] = [
  {
    sourceId: 'posthog/security.md#1',
    toolCallId,
    title: 'Security & Privacy',
    source: 'posthog/security.md',
    score: 7.2,
    text: `## SOC 2

PostHog is certified as SOC 2 Type 1 compliant, following an external audit.

Our latest [security report](https://example.com/report) is publicly available (last updated April 2023).

We maintain a robust security program that follows best practice in order to meet the needs of our PostHog Cloud customers, making PostHog the ideal solution for customers who have GDPR, SOC 2, or CCPA obligations themselves.`,
  },
  {
    sourceId: 'posthog/annual-plans.md#0',
    toolCallId,
    title: 'Annual plans',
    source: 'posthog/annual-plans.md',
    score: 5.1,
    text: `* Our annual plans are credit-based, meaning you get a discount on pre-paid PostHog credit.  You can use this credit on any of our current and future products during the contract term (usually 12 months).`,
  },
];
const crm: CrmProfile = {
  sourceId: 'crm:contact:7',
  toolCallId,
  firstName: 'Jane',
  contactName: 'Jane Doe',
  deals: [],
  activities: [],
};
const options = { groundednessThreshold: 0.6, claimSupportRatio: 0.6 };

describe('offline replies scored by the evaluator', () => {
  it.each([
    ['Are you SOC 2 compliant? We are worried about security.', 'autonomous'],
    ['Is there a discount on annual plans?', 'assist'],
    ['Do you have a security report for SOC 2 and GDPR?', 'assist'],
  ] as const)('"%s" (%s) is grounded with valid citations', (message, mode) => {
    const written = writeReply({ mode, message, analysis: analyseMessage(message), knowledge, crm });
    const scores = scoreReply(
      {
        conversationId: '00000000-0000-4000-8000-0000000000c1',
        turnId: '00000000-0000-4000-8000-0000000000f1',
        replyId: '00000000-0000-4000-8000-0000000000e1',
        kind: mode === 'assist' ? 'suggestion' : 'reply',
        text: written.text,
        citations: written.citations,
        grounding: groundingSources(knowledge, crm),
        toolCallIds: [toolCallId],
        model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'offline-2026-11' },
        usage: { inputTokens: 1, outputTokens: 1 },
        timing: {
          turnReceivedAt: '2026-11-24T10:00:00.000Z',
          orchestrationStartedAt: '2026-11-24T10:00:00.000Z',
          toolsMs: 0,
          generationMs: 0,
        },
        generatedAt: '2026-11-24T10:00:00.000Z',
      },
      options,
    );
    expect(scores.claims.length).toBeGreaterThan(0);
    expect(scores).toMatchObject({ groundedness: 1, grounded: true, citationValidity: 1, schemaValid: true });
    // ... relevant to the message, and free of policy flags (no false alarms on the offline writer).
    const rel = relevance(message, written.text);
    expect(rel.score).toBeGreaterThanOrEqual(0.5);
    expect(
      checkPolicies({
        reply: written.text,
        grounding: groundingSources(knowledge, crm),
        prospectMessage: message,
        prospectMessages: [message],
        relevance: rel.score,
        competitors: BUILT_IN_COMPETITORS,
        offTopicThreshold: 0.15,
      }),
    ).toEqual([]);
  });
});
