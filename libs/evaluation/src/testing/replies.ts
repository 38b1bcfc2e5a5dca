import { deriveId, type ReplyGeneratedData } from '@lib/contracts';

/** A knowledge-base passage the test replies quote and cite (test code: not built). */
export const PLANS_PASSAGE =
  'Our annual plans are credit-based, meaning you get a discount on pre-paid credit.';

/** Reply n of a conversation: grounded in PLANS_PASSAGE and citing it, ids derived from the conversation. */
export function groundedReply(conversationId: string, n: number, at: string): ReplyGeneratedData {
  const toolCallId = deriveId(conversationId, 'tool', String(n));
  return {
    conversationId,
    turnId: deriveId(conversationId, 'turn', String(n)),
    replyId: deriveId(conversationId, 'reply', String(n)),
    kind: 'reply',
    text: PLANS_PASSAGE,
    citations: [{ sourceId: 'kb:plans#0', title: 'Plans', source: 'plans.md' }],
    grounding: [
      {
        sourceId: 'kb:plans#0',
        kind: 'knowledge_base',
        toolCallId,
        title: 'Plans',
        source: 'plans.md',
        text: PLANS_PASSAGE,
      },
    ],
    toolCallIds: [toolCallId],
    model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'offline-2026-11' },
    usage: { inputTokens: 10, outputTokens: 10 },
    timing: { turnReceivedAt: at, orchestrationStartedAt: at, toolsMs: 10, generationMs: 10 },
    generatedAt: at,
  };
}
