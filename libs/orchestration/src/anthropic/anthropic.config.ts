import { z } from 'zod';
import { envBoolean, envInt, loadConfig, secret } from '@lib/config';
import { currentPrompt, PROMPTS } from '../prompts';

const optionalPrice = z.coerce.number().nonnegative().optional();

export const AnthropicConfigSchema = z
  .object({
    ANTHROPIC_API_KEY: secret(z.string().min(1)).describe(
      'Anthropic API key. The orchestrator uses Claude only when it is set (else the offline model)',
    ),
    ANTHROPIC_BASE_URL: z.url().optional().describe('API base URL (default https://api.anthropic.com)'),
    ANTHROPIC_MODEL: z.string().min(1).default('claude-sonnet-4-6'),
    ANTHROPIC_MAX_TOKENS: envInt(2048, 256, 64_000).describe('Output token budget of one model call'),
    // Optional: SDK 1.x no longer declares `temperature` (deprecated upstream), so it is sent only when set.
    ANTHROPIC_TEMPERATURE: z.coerce
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Sampling temperature, sent only when set (deprecated by the API for recent models)'),
    ANTHROPIC_TIMEOUT_MS: envInt(60_000, 100).describe(
      'Per attempt: until the response headers (SDK timeout), then the longest silence allowed in the stream',
    ),
    ANTHROPIC_MAX_RETRIES: envInt(3, 0, 10).describe(
      'SDK retries of 408/409/429/5xx/529 and connection errors, with backoff, jitter and retry-after',
    ),
    ANTHROPIC_PROMPT_VERSION: z
      .string()
      .default(currentPrompt.version)
      .refine((v) => v in PROMPTS, { message: `one of: ${Object.keys(PROMPTS).join(', ')}` }),
    ANTHROPIC_MAX_TOOL_RESULT_CHARS: envInt(12_000, 500, 200_000).describe(
      'Characters of one tool result (or passage) shown to the model; longer text is truncated',
    ),
    LLM_CAPTURE_CONTENT: envBoolean(false).describe(
      'Record prompt and completion text on GenAI spans (off by default: they carry PII)',
    ),
    ANTHROPIC_PRICE_INPUT_PER_MTOK: optionalPrice.describe(
      'USD per million input tokens (overrides the table)',
    ),
    ANTHROPIC_PRICE_OUTPUT_PER_MTOK: optionalPrice,
    ANTHROPIC_PRICE_CACHE_WRITE_PER_MTOK: optionalPrice.describe('Default: 1.25 × the input price'),
    ANTHROPIC_PRICE_CACHE_READ_PER_MTOK: optionalPrice.describe('Default: 0.1 × the input price'),
  })
  .superRefine((c, ctx) => {
    const input = c.ANTHROPIC_PRICE_INPUT_PER_MTOK !== undefined;
    const output = c.ANTHROPIC_PRICE_OUTPUT_PER_MTOK !== undefined;
    if (input !== output) {
      ctx.addIssue({
        code: 'custom',
        path: [input ? 'ANTHROPIC_PRICE_OUTPUT_PER_MTOK' : 'ANTHROPIC_PRICE_INPUT_PER_MTOK'],
        message: 'set both ANTHROPIC_PRICE_INPUT_PER_MTOK and ANTHROPIC_PRICE_OUTPUT_PER_MTOK, or neither',
      });
    }
  });

/** USD per million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheWrite: number;
  readonly cacheRead: number;
}

export interface AnthropicConfig {
  readonly apiKey: string;
  readonly baseUrl?: string;
  readonly model: string;
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly promptVersion: string;
  readonly maxToolResultChars: number;
  readonly captureContent: boolean;
  /** Replaces the price table's entry for the model (both input and output prices must be set). */
  readonly priceOverride?: ModelPrice;
}

/** True when the environment asks for Claude (the orchestrator's choice between Claude and offline). */
export function isAnthropicConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.ANTHROPIC_API_KEY ?? '').trim() !== '';
}

export function loadAnthropicConfig(env: NodeJS.ProcessEnv = process.env): AnthropicConfig {
  const c = loadConfig(AnthropicConfigSchema, env);
  const input = c.ANTHROPIC_PRICE_INPUT_PER_MTOK;
  const output = c.ANTHROPIC_PRICE_OUTPUT_PER_MTOK;
  const priceOverride: ModelPrice | undefined =
    input !== undefined && output !== undefined
      ? {
          input,
          output,
          cacheWrite: c.ANTHROPIC_PRICE_CACHE_WRITE_PER_MTOK ?? input * 1.25,
          cacheRead: c.ANTHROPIC_PRICE_CACHE_READ_PER_MTOK ?? input * 0.1,
        }
      : undefined;
  return Object.freeze({
    apiKey: c.ANTHROPIC_API_KEY,
    baseUrl: c.ANTHROPIC_BASE_URL,
    model: c.ANTHROPIC_MODEL,
    maxTokens: c.ANTHROPIC_MAX_TOKENS,
    temperature: c.ANTHROPIC_TEMPERATURE,
    timeoutMs: c.ANTHROPIC_TIMEOUT_MS,
    maxRetries: c.ANTHROPIC_MAX_RETRIES,
    promptVersion: c.ANTHROPIC_PROMPT_VERSION,
    maxToolResultChars: c.ANTHROPIC_MAX_TOOL_RESULT_CHARS,
    captureContent: c.LLM_CAPTURE_CONTENT,
    priceOverride,
  });
}
