import { z } from 'zod';
import { loadConfig } from '@lib/config';

export const ConversationEvaluationConfigSchema = z.object({
  EVALUATOR_IDLE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000)
    .describe('A conversation with no turn for this long is evaluated (trigger idle)'),
  EVALUATOR_IDLE_SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .refine((v) => v === 0 || v >= 1000, 'must be 0 (no sweep) or at least 1000')
    .default(60_000)
    .describe('How often the idle sweep runs; 0: never'),
  EVALUATOR_IDLE_SWEEP_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(200)
    .describe('At most this many conversations evaluated per sweep'),
});

export interface ConversationEvaluationConfig {
  readonly idleAfterMs: number;
  readonly sweepIntervalMs: number;
  readonly sweepBatch: number;
}

export const CONVERSATION_EVALUATION_CONFIG = Symbol('CONVERSATION_EVALUATION_CONFIG');

export function loadConversationEvaluationConfig(
  env: NodeJS.ProcessEnv = process.env,
): ConversationEvaluationConfig {
  const c = loadConfig(ConversationEvaluationConfigSchema, env);
  return Object.freeze({
    idleAfterMs: c.EVALUATOR_IDLE_AFTER_MS,
    sweepIntervalMs: c.EVALUATOR_IDLE_SWEEP_INTERVAL_MS,
    sweepBatch: c.EVALUATOR_IDLE_SWEEP_BATCH,
  });
}
