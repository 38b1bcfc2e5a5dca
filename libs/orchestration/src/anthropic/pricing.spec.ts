import { costOf, priceOf } from './pricing';

describe('costOf', () => {
  it('prices input, output, cache writes and cache reads apart (Sonnet 4.x: 3 / 15 / 3.75 / 0.30 per MTok)', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
    expect(costOf('claude-sonnet-4-5', usage)).toBe(3);
    expect(costOf('claude-sonnet-4-5', { inputTokens: 0, outputTokens: 1_000_000 })).toBe(15);
    expect(
      costOf('claude-sonnet-4-5', { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 1_000_000 }),
    ).toBe(3.75);
    expect(costOf('claude-sonnet-4-5', { inputTokens: 0, outputTokens: 0, cacheReadTokens: 1_000_000 })).toBe(
      0.3,
    );
  });

  it('sums a realistic turn without floating-point noise', () => {
    const usage = { inputTokens: 1200, outputTokens: 800, cacheWriteTokens: 2500, cacheReadTokens: 2500 };
    // 1200×3 + 800×15 + 2500×3.75 + 2500×0.30 = 25 725 micro-dollars.
    expect(costOf('claude-sonnet-4-5-20250929', usage)).toBe(0.025725);
  });

  it('uses the price of the model family', () => {
    const million = {
      inputTokens: 1_000_000,
      outputTokens: 1_000_000,
      cacheWriteTokens: 1_000_000,
      cacheReadTokens: 1_000_000,
    };
    expect(costOf('claude-haiku-4-5', million)).toBe(1 + 5 + 1.25 + 0.1);
    expect(costOf('claude-opus-4-1-20250805', million)).toBe(15 + 75 + 18.75 + 1.5);
    expect(costOf('claude-opus-4-5', million)).toBe(5 + 25 + 6.25 + 0.5);
  });

  it('is undefined for a model without a known price, unless overridden', () => {
    const usage = { inputTokens: 10, outputTokens: 10 };
    expect(costOf('claude-mythos-5', usage)).toBeUndefined();
    expect(priceOf('claude-opus-4-7')).toBeUndefined();
    const override = { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 };
    expect(costOf('claude-mythos-5', { inputTokens: 500_000, outputTokens: 100_000 }, override)).toBe(2);
  });

  it('costs nothing for no tokens', () => {
    expect(costOf('claude-sonnet-4-6', { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });
});
