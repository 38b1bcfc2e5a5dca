import { capResult } from './result-cap';

const size = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

describe('capResult', () => {
  it('leaves a small result untouched', () => {
    const value = { items: [1, 2, 3] };
    expect(capResult(value, 1000)).toEqual({ value, truncated: false, bytes: size(value) });
  });

  it('shortens the largest list, keeping its head, until the result fits', () => {
    const value = {
      found: true,
      items: Array.from({ length: 500 }, (_, i) => ({ id: i, text: 'x'.repeat(50) })),
      tags: ['a', 'b'],
    };
    const capped = capResult(value, 4096);
    const out = capped.value as typeof value;
    expect(capped.truncated).toBe(true);
    expect(size(out)).toBeLessThanOrEqual(4096);
    expect(out.items.length).toBeGreaterThan(10);
    expect(out.items.length).toBeLessThan(500);
    expect(out.items[0].id).toBe(0);
    expect(out.tags).toEqual(['a', 'b']);
    expect(out.found).toBe(true);
    expect(value.items).toHaveLength(500); // the input is not mutated
  });

  it('cuts long strings when there is no list left to shorten', () => {
    const capped = capResult({ text: 'y'.repeat(10_000) }, 1024);
    expect(capped.truncated).toBe(true);
    expect(size(capped.value)).toBeLessThanOrEqual(1024);
    expect((capped.value as { text: string }).text).toMatch(/^y+…$/);
  });
});
