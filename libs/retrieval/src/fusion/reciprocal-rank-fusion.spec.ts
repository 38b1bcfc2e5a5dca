import { reciprocalRankFusion, RRF_K } from './reciprocal-rank-fusion';

describe('reciprocalRankFusion', () => {
  it('sums 1 / (k + position) over the rankings (Qdrant formula, k = 60 by default)', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'a'],
    ]);
    const score = Object.fromEntries(fused.map((h) => [h.id, h.score]));
    expect(RRF_K).toBe(60);
    expect(score.a).toBeCloseTo(1 / 60 + 1 / 61, 12);
    expect(score.b).toBeCloseTo(1 / 61, 12);
    expect(score.c).toBeCloseTo(1 / 62 + 1 / 60, 12);
    expect(fused.map((h) => h.id)).toEqual(['a', 'c', 'b']);
  });

  it('favours an item ranked well by both lists over one ranked first by a single list', () => {
    const fused = reciprocalRankFusion([
      ['dense-only', 'both'],
      ['sparse-only', 'both'],
    ]);
    expect(fused[0].id).toBe('both');
  });

  it('lets a small k reward top ranks more', () => {
    const lists = [
      ['x', 'y', 'z', 'w'],
      ['y', 'w', 'z', 'x'],
    ];
    // With k = 1, "x" (1st and 4th) beats "z" (3rd and 3rd) by far more than with k = 60.
    const gap = (k: number) => {
      const s = Object.fromEntries(reciprocalRankFusion(lists, k).map((h) => [h.id, h.score]));
      return s.x / s.z;
    };
    expect(gap(1)).toBeGreaterThan(gap(60));
  });

  it('counts an item once per ranking and breaks ties by id', () => {
    const fused = reciprocalRankFusion([
      ['b', 'b', 'a'],
      ['a', 'b'],
    ]);
    const score = Object.fromEntries(fused.map((h) => [h.id, h.score]));
    expect(score.b).toBeCloseTo(1 / 60 + 1 / 61, 12);
    expect(score.a).toBeCloseTo(1 / 62 + 1 / 60, 12);
    const tie = reciprocalRankFusion([
      ['q', 'p'],
      ['p', 'q'],
    ]);
    expect(tie.map((h) => h.id)).toEqual(['p', 'q']);
  });

  it('returns nothing for no rankings', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });
});
