import { z } from 'zod';
import { Id, IsoTime, ModelInfo } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const Citation = z.object({
  sourceId: z.string().min(1).describe('Id of a grounding source the reply relies on'),
  title: z.string(),
  source: z.string().describe('Where the passage comes from: a document path or URL, or a CRM record'),
});
export type Citation = z.infer<typeof Citation>;

/** A piece of context the reply could rely on: a knowledge-base passage or a CRM record. */
export const GroundingSource = z.object({
  sourceId: z.string().min(1),
  kind: z.enum(['knowledge_base', 'crm']),
  toolCallId: Id,
  title: z.string(),
  source: z.string(),
  text: z.string(),
});
export type GroundingSource = z.infer<typeof GroundingSource>;

export const ReplyGeneratedData = z.object({
  conversationId: Id,
  turnId: Id,
  replyId: Id,
  kind: z
    .enum(['reply', 'suggestion'])
    .describe('reply: sent to the prospect (autonomous mode); suggestion: for the rep (assist mode)'),
  text: z.string().min(1),
  citations: z.array(Citation),
  grounding: z.array(GroundingSource).describe('The context that was available to write the reply'),
  toolCallIds: z.array(Id),
  model: ModelInfo,
  usage: z.object({ inputTokens: z.int().nonnegative(), outputTokens: z.int().nonnegative() }),
  timing: z.object({
    turnReceivedAt: IsoTime,
    orchestrationStartedAt: IsoTime,
    toolsMs: z.number().nonnegative(),
    generationMs: z.number().nonnegative(),
  }),
  generatedAt: IsoTime,
});
export type ReplyGeneratedData = z.infer<typeof ReplyGeneratedData>;

export const ReplyGenerated = defineEvent({
  type: eventType('reply.generated'),
  topic: Topics.outcomes,
  schema: ReplyGeneratedData,
  description: 'The reply (autonomous mode) or suggestion (assist mode) for a turn, with citations.',
  keyOf: (d) => d.conversationId,
});
