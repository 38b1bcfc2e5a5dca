import { z } from 'zod';
import { envInt, envList, loadConfig, secret } from '@lib/config';
import { MonitoringConfigSchema } from './monitoring/monitoring.config';
import { BUILT_IN_COMPETITORS } from './policy/competitors';

const ratio = (defaultValue: number) => z.coerce.number().min(0).max(1).default(defaultValue);

export const EvaluatorConfigSchema = z
  .object({
    EVALUATOR_GROUNDEDNESS_THRESHOLD: ratio(0.6).describe(
      'A reply is grounded when its groundedness is at least this',
    ),
    EVALUATOR_CLAIM_SUPPORT_RATIO: ratio(0.6).describe(
      "Share of a claim's content words that one grounding source must contain",
    ),
    EVALUATOR_OFF_TOPIC_THRESHOLD: ratio(0.15).describe(
      'A reply with relevance below this and no sales-domain word is flagged off_topic',
    ),
    EVALUATOR_COMPETITORS: envList('').describe(
      `Competitor names (comma-separated) checked for disparagement, on top of: ${BUILT_IN_COMPETITORS.join(', ')}`,
    ),
    EVALUATOR_JUDGE: z
      .enum(['off', 'claude'])
      .default('off')
      .describe('LLM-as-judge: claude (needs ANTHROPIC_API_KEY) or off'),
    ANTHROPIC_API_KEY: secret(z.string().min(1).optional()).describe(
      'Anthropic API key, required when EVALUATOR_JUDGE=claude',
    ),
    ANTHROPIC_BASE_URL: z.url().optional().describe('API base URL (default https://api.anthropic.com)'),
    EVALUATOR_JUDGE_MODEL: z.string().min(1).default('claude-haiku-4-5').describe('Model of the judge'),
    EVALUATOR_JUDGE_TIMEOUT_MS: envInt(20_000, 100, 300_000).describe('Per attempt of a judge call'),
    EVALUATOR_JUDGE_MAX_RETRIES: envInt(2, 0, 10).describe(
      'SDK retries of 408/409/429/5xx/529 and connection errors of a judge call',
    ),
    EVALUATOR_JUDGE_MAX_SOURCE_CHARS: envInt(4000, 200, 100_000).describe(
      'Characters of one grounding source shown to the judge',
    ),
    // Anomaly detection and the alert webhook (read by the monitoring module, validated here too).
    ...MonitoringConfigSchema.shape,
  })
  .superRefine((c, ctx) => {
    if (c.EVALUATOR_JUDGE === 'claude' && c.ANTHROPIC_API_KEY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ANTHROPIC_API_KEY'],
        message: 'required when EVALUATOR_JUDGE=claude',
      });
    }
  });

export interface JudgeConfig {
  readonly apiKey: string;
  readonly baseUrl?: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxSourceChars: number;
}

export interface EvaluatorConfig {
  readonly groundednessThreshold: number;
  readonly claimSupportRatio: number;
  readonly offTopicThreshold: number;
  /** The built-in competitor names plus `EVALUATOR_COMPETITORS`. */
  readonly competitors: readonly string[];
  /** Set when `EVALUATOR_JUDGE=claude`. */
  readonly judge?: JudgeConfig;
}

export const EVALUATOR_CONFIG = Symbol('EVALUATOR_CONFIG');

export function loadEvaluatorConfig(env: NodeJS.ProcessEnv = process.env): EvaluatorConfig {
  const c = loadConfig(EvaluatorConfigSchema, env);
  const judge: JudgeConfig | undefined =
    c.EVALUATOR_JUDGE === 'claude' && c.ANTHROPIC_API_KEY !== undefined
      ? Object.freeze({
          apiKey: c.ANTHROPIC_API_KEY,
          ...(c.ANTHROPIC_BASE_URL === undefined ? {} : { baseUrl: c.ANTHROPIC_BASE_URL }),
          model: c.EVALUATOR_JUDGE_MODEL,
          timeoutMs: c.EVALUATOR_JUDGE_TIMEOUT_MS,
          maxRetries: c.EVALUATOR_JUDGE_MAX_RETRIES,
          maxSourceChars: c.EVALUATOR_JUDGE_MAX_SOURCE_CHARS,
        })
      : undefined;
  return Object.freeze({
    groundednessThreshold: c.EVALUATOR_GROUNDEDNESS_THRESHOLD,
    claimSupportRatio: c.EVALUATOR_CLAIM_SUPPORT_RATIO,
    offTopicThreshold: c.EVALUATOR_OFF_TOPIC_THRESHOLD,
    competitors: Object.freeze([...new Set([...BUILT_IN_COMPETITORS, ...c.EVALUATOR_COMPETITORS])]),
    ...(judge === undefined ? {} : { judge }),
  });
}
