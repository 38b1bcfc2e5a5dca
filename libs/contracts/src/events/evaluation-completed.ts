import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const EvaluationCompletedData = z.object({
  conversationId: Id,
  turnId: Id,
  replyId: Id,
  evaluationId: Id,
  scores: z.object({
    groundedness: z.number().min(0).max(1).describe("Share of the reply's claims supported by its grounding"),
    grounded: z.boolean().describe('groundedness above the configured threshold'),
    citationValidity: z.number().min(0).max(1).describe('Share of citations that point at grounding sources'),
    schemaValid: z.boolean(),
  }),
  latency: z.object({
    totalMs: z.number().nonnegative().describe('From turn received to reply generated'),
    stages: z.record(z.string(), z.number().nonnegative()),
  }),
  promptVersion: z.string().min(1),
  evaluator: z.object({ name: z.string().min(1), version: z.string().min(1) }),
  evaluatedAt: IsoTime,
});
export type EvaluationCompletedData = z.infer<typeof EvaluationCompletedData>;

export const EvaluationCompleted = defineEvent({
  type: eventType('evaluation.completed'),
  topic: Topics.evaluations,
  schema: EvaluationCompletedData,
  description:
    'Quality scores of a reply: groundedness, citation validity, schema validity, latency per stage.',
  keyOf: (d) => d.conversationId,
});
