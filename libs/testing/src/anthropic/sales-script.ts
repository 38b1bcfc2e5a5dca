import type { MessagesRequest } from './wire';

/**
 * Helpers for scripting Claude as a sales assistant in tests and benchmarks: reading the orchestrator's
 * requests (the prospect's message, the knowledge passages it was given) and building a valid
 * `submit_turn_outcome` input.
 */
interface TextBlock {
  type: string;
  text?: unknown;
}

/** The prospect's message of the turn: the last user message with text (tool results carry none). */
export function currentUserText(request: MessagesRequest): string {
  for (const message of [...request.messages].reverse()) {
    if (message.role !== 'user') continue;
    const blocks: TextBlock[] =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    const texts = blocks.flatMap((b) => (b.type === 'text' && typeof b.text === 'string' ? [b.text] : []));
    if (texts.length > 0) return texts.join('\n');
  }
  return '';
}

/** Knowledge passage ids (`kb:<document>#<chunk>`) that appear anywhere in the request. */
export function knowledgeSourceIdsIn(request: MessagesRequest): string[] {
  const text = JSON.stringify(request.messages);
  return [...new Set([...text.matchAll(/kb:[\w./-]+#\d+/g)].map((m) => m[0]))];
}

/** A valid `submit_turn_outcome` input: a pricing answer citing `sourceId` (when given), with BANT/MEDDIC. */
export function salesTurnOutcome(replyText: string, sourceId: string | undefined): Record<string, unknown> {
  const field = (value: string | null, evidence: string[] = [], confidence = 0.5) => ({
    value,
    evidence,
    confidence,
  });
  return {
    reply: {
      text: replyText,
      citations: sourceId
        ? [{ sourceId, title: 'PostHog handbook', source: sourceId.replace(/^kb:/, '').split('#')[0] }]
        : [],
    },
    analysis: {
      intents: [{ name: 'pricing_inquiry', confidence: 0.9 }],
      sentiment: { label: 'neutral', score: 0.1 },
      entities: [{ type: 'seats', text: '20 people', value: '20' }],
      objections: [],
      buyingSignals: [{ signal: 'asked_for_pricing', evidence: 'How much does it cost' }],
      stage: 'discovery',
      qualification: {
        bant: {
          budget: field(null),
          authority: field(null),
          need: field('product analytics', ['we need product analytics'], 0.7),
          timeline: field(null),
        },
        meddic: {
          metrics: field(null),
          economicBuyer: field(null),
          decisionCriteria: field('price', ['How much does it cost'], 0.6),
          decisionProcess: field(null),
          identifyPain: field(null),
          champion: field(null),
        },
      },
    },
    nextBestActions: [{ action: 'Send the annual plan pricing', reason: 'The prospect asked about cost' }],
    proposedCrmUpdates: [],
  };
}
