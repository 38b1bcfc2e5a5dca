import { z } from 'zod';
import { ConversationMode, DealStage, Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

const Count = z.int().nonnegative();
const Ratio = z.number().min(0).max(1);

export const ConversationEvaluationTrigger = z
  .enum(['ended', 'idle'])
  .describe('ended: conversation.ended was received; idle: no turn for the configured idle time');
export type ConversationEvaluationTrigger = z.infer<typeof ConversationEvaluationTrigger>;

export const ConversationEvaluatedData = z.object({
  conversationId: Id,
  evaluationId: Id.describe(
    "deriveId(conversationId, 'conversation-evaluation', trigger, lastTurnId ?? 'none'): a re-evaluation " +
      'after new turns is a new evaluation, a redelivery the same one',
  ),
  trigger: ConversationEvaluationTrigger,
  lastTurnId: Id.nullable().describe('The latest turn the evaluation covers; null when there was none'),
  mode: ConversationMode.nullable().describe('null when the conversation mode was never seen'),
  turns: z.object({ prospect: Count, rep: Count }),
  stage: z.object({
    first: DealStage.nullable().describe('The stage of the first analysed turn'),
    last: DealStage.nullable().describe('The stage of the latest analysed turn'),
    advances: Count.describe('Stage changes further into the funnel (closed_lost is never an advance)'),
    transitions: Count.describe('Stage changes between consecutive analysed turns'),
  }),
  objections: z.object({
    raised: Count,
    handled: Count.describe(
      'Raised objections a later prospect turn moved on from (same rule as the record: not raised again ' +
        'and not negative, or a stage further in the funnel)',
    ),
    byType: z.record(z.string(), z.object({ raised: Count, handled: Count })),
  }),
  talkRatio: Ratio.nullable().describe("The rep's words / all words; null outside assist mode"),
  replies: Count.describe('Replies of the conversation the evaluator scored'),
  groundedness: z.object({
    mean: Ratio.nullable().describe('null when no reply was scored'),
    min: Ratio.nullable(),
  }),
  evaluatedAt: IsoTime,
});
export type ConversationEvaluatedData = z.infer<typeof ConversationEvaluatedData>;

export const ConversationEvaluated = defineEvent({
  type: eventType('conversation.evaluated'),
  topic: Topics.evaluations,
  schema: ConversationEvaluatedData,
  description:
    'Conversation-level evaluation, when a conversation ends or goes idle: turns, stage progress, ' +
    'objections raised and handled, rep talk ratio (assist mode), groundedness of its replies. No content.',
  keyOf: (d) => d.conversationId,
});
