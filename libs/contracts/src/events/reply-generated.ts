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
  usage: z.object({
    inputTokens: z.int().nonnegative(),
    outputTokens: z.int().nonnegative(),
    cacheReadTokens: z.int().nonnegative().optional().describe('Input tokens read from the prompt cache'),
    cacheWriteTokens: z.int().nonnegative().optional().describe('Input tokens written to the prompt cache'),
    costUsd: z.number().nonnegative().optional().describe('Cost of every model call of the turn'),
    modelCalls: z.int().nonnegative().optional(),
  }),
  timing: z.object({
    turnReceivedAt: IsoTime,
    orchestrationStartedAt: IsoTime,
    toolsMs: z.number().nonnegative(),
    generationMs: z.number().nonnegative(),
    tools: z
      .array(
        z.object({
          tool: z.string().min(1),
          toolCallId: Id,
          durationMs: z.number().nonnegative(),
        }),
      )
      .optional()
      .describe("Each tool call's round trip as the orchestrator saw it: requested → result recorded"),
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

export const ReplyDeltaData = z.object({
  conversationId: Id,
  turnId: Id,
  replyId: Id,
  index: z.int().nonnegative().describe('Position of this delta in the reply stream, from 0'),
  text: z.string().describe('The next piece of the reply text'),
  emittedAt: IsoTime,
});
export type ReplyDeltaData = z.infer<typeof ReplyDeltaData>;

export const ReplyDelta = defineEvent({
  type: eventType('reply.delta'),
  topic: Topics.outcomes,
  schema: ReplyDeltaData,
  description:
    'A piece of the reply text as the model writes it (streaming). Best effort, for display: the final, ' +
    'validated text is in reply.generated, which follows on the same topic.',
  keyOf: (d) => d.conversationId,
});
