import type { ModelPrice } from './anthropic.config';

/** Token counts of one or more model calls. `inputTokens` excludes the cached ones (as the API reports it). */
export interface TokenCounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
}

/**
 * List prices in USD per million tokens, by model family, from anthropic.com/pricing (Claude API, standard
 * tier, prompts up to 200k tokens, 5-minute cache writes) as of late 2025. Cache writes cost 1.25× the input
 * price and cache reads 0.1×. Prices change and newer models are not listed (their cost is `undefined`, not a
 * guess): set ANTHROPIC_PRICE_*_PER_MTOK for them. First match wins: specific versions before their family.
 */
export const PRICE_TABLE: readonly { readonly pattern: RegExp; readonly price: ModelPrice }[] = [
  // Opus 4.5 is priced lower than Opus 4 and 4.1; later Opus versions are not listed.
  { pattern: /opus-4-5/, price: { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 } },
  {
    pattern: /opus-4-[01]\b|opus-4-2025/,
    price: { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
  },
  { pattern: /sonnet-4/, price: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } },
  { pattern: /3-7-sonnet|3-5-sonnet/, price: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } },
  { pattern: /haiku-4/, price: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 } },
  { pattern: /3-5-haiku/, price: { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 } },
  { pattern: /3-haiku/, price: { input: 0.25, output: 1.25, cacheWrite: 0.3, cacheRead: 0.03 } },
];

export function priceOf(model: string, override?: ModelPrice): ModelPrice | undefined {
  return override ?? PRICE_TABLE.find((entry) => entry.pattern.test(model))?.price;
}

/**
 * Cost in USD of `usage` on `model`: input, output, cache writes and cache reads each at their own price.
 * `undefined` for a model the table does not know (an unknown price is not a zero cost).
 */
export function costOf(model: string, usage: TokenCounts, override?: ModelPrice): number | undefined {
  const price = priceOf(model, override);
  if (!price) return undefined;
  const micros =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    (usage.cacheWriteTokens ?? 0) * price.cacheWrite +
    (usage.cacheReadTokens ?? 0) * price.cacheRead;
  // Per-million prices × tokens = micro-dollars; round to 1e-9 USD to drop floating-point noise.
  return Math.round(micros * 1000) / 1e9;
}
