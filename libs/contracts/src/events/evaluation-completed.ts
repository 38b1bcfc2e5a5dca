import { z } from 'zod';
import { Id, IsoTime, ModelInfo } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const PolicyFlag = z.object({
  kind: z
    .enum(['unbacked_commitment', 'competitor_disparagement', 'pii_leak', 'prompt_injection', 'off_topic'])
    .describe('Which policy check raised the flag'),
  severity: z.enum(['info', 'warning', 'critical']),
  evidence: z.string().describe('The quoted span that raised it'),
  where: z.enum(['reply', 'prospect', 'grounding']).optional().describe('Which text the evidence is from'),
  sourceId: z.string().optional().describe('The grounding source, when the evidence is from retrieved text'),
});
export type PolicyFlag = z.infer<typeof PolicyFlag>;

export const JudgeResult = z.object({
  model: z.string().optional(),
  groundedness: z.number().min(0).max(1).optional(),
  relevance: z.number().min(0).max(1).optional(),
  verdict: z.enum(['pass', 'fail', 'uncertain']).optional(),
  rationale: z.string().optional(),
  error: z.string().optional().describe('Why the judge gave no verdict; the deterministic scores still ship'),
});
export type JudgeResult = z.infer<typeof JudgeResult>;

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
    relevance: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("Content-word overlap with the prospect's message; absent when that message was not known"),
  }),
  latency: z.object({
    totalMs: z.number().nonnegative().describe('From turn received to reply generated'),
    stages: z.record(z.string(), z.number().nonnegative()),
  }),
  promptVersion: z.string().min(1),
  policy: z.object({ flags: z.array(PolicyFlag) }).optional(),
  judge: JudgeResult.optional().describe('LLM-as-judge (when configured)'),
  usage: z
    .object({
      inputTokens: z.int().nonnegative(),
      outputTokens: z.int().nonnegative(),
      costUsd: z.number().nonnegative().optional(),
    })
    .optional()
    .describe('Tokens and cost of the turn, from the reply'),
  model: ModelInfo.optional(),
  evaluator: z.object({ name: z.string().min(1), version: z.string().min(1) }),
  evaluatedAt: IsoTime,
});
export type EvaluationCompletedData = z.infer<typeof EvaluationCompletedData>;

export const EvaluationCompleted = defineEvent({
  type: eventType('evaluation.completed'),
  topic: Topics.evaluations,
  schema: EvaluationCompletedData,
  description:
    'Quality scores of a reply: groundedness, citation validity, schema validity, relevance, policy flags, ' +
    'LLM-as-judge verdict, latency per stage, tokens and cost.',
  keyOf: (d) => d.conversationId,
});
