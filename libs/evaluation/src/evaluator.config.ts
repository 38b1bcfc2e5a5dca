import { z } from 'zod';
import { loadConfig } from '@lib/config';

const ratio = (defaultValue: number) => z.coerce.number().min(0).max(1).default(defaultValue);

export const EvaluatorConfigSchema = z.object({
  EVALUATOR_GROUNDEDNESS_THRESHOLD: ratio(0.6).describe(
    'A reply is grounded when its groundedness is at least this',
  ),
  EVALUATOR_CLAIM_SUPPORT_RATIO: ratio(0.6).describe(
    "Share of a claim's content words that one grounding source must contain",
  ),
});

export interface EvaluatorConfig {
  readonly groundednessThreshold: number;
  readonly claimSupportRatio: number;
}

export const EVALUATOR_CONFIG = Symbol('EVALUATOR_CONFIG');

export function loadEvaluatorConfig(env: NodeJS.ProcessEnv = process.env): EvaluatorConfig {
  const c = loadConfig(EvaluatorConfigSchema, env);
  return Object.freeze({
    groundednessThreshold: c.EVALUATOR_GROUNDEDNESS_THRESHOLD,
    claimSupportRatio: c.EVALUATOR_CLAIM_SUPPORT_RATIO,
  });
}
