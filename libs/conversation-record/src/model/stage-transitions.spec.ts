import type { DealStage } from '@lib/contracts';
import type { AnalysedTurn } from './analysed-turn';
import { stageTransitions } from './stage-transitions';

const t = (minute: number): Date => new Date(Date.UTC(2025, 0, 15, 10, minute));

const analysed = (turnId: string, sequence: number | null, stage: DealStage, minute = sequence ?? 99) =>
  ({
    turnId,
    sequence,
    role: sequence === null ? null : 'prospect',
    stage,
    sentiment: 'neutral',
    objections: [],
    completedAt: t(minute),
  }) satisfies AnalysedTurn;

/** Every order of a list (small lists only). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('stageTransitions', () => {
  it('opens with the first known stage and adds a transition at every change, by turn sequence', () => {
    const analyses = [
      analysed('t1', 1, 'discovery'),
      analysed('t2', 2, 'discovery'),
      analysed('t3', 3, 'proposal'),
      analysed('t4', 4, 'proposal'),
      analysed('t5', 5, 'negotiation'),
      analysed('t6', 6, 'proposal'),
    ];
    expect(stageTransitions(analyses)).toEqual([
      { turnId: 't1', sequence: 1, from: null, to: 'discovery', occurredAt: t(1) },
      { turnId: 't3', sequence: 3, from: 'discovery', to: 'proposal', occurredAt: t(3) },
      { turnId: 't5', sequence: 5, from: 'proposal', to: 'negotiation', occurredAt: t(5) },
      { turnId: 't6', sequence: 6, from: 'negotiation', to: 'proposal', occurredAt: t(6) },
    ]);
  });

  it('is empty without analyses, and one transition for a single stage', () => {
    expect(stageTransitions([])).toEqual([]);
    expect(stageTransitions([analysed('t1', 1, 'prospecting'), analysed('t2', 2, 'prospecting')])).toEqual([
      { turnId: 't1', sequence: 1, from: null, to: 'prospecting', occurredAt: t(1) },
    ]);
  });

  it('orders by sequence, not by completion time (an older turn analysed late keeps its place)', () => {
    const analyses = [analysed('t2', 2, 'proposal', 2), analysed('t1', 1, 'discovery', 30)];
    expect(stageTransitions(analyses).map((x) => [x.turnId, x.from, x.to])).toEqual([
      ['t1', null, 'discovery'],
      ['t2', 'discovery', 'proposal'],
    ]);
  });

  it('ranks an analysis whose turn is not stored yet last, until the turn gives its sequence', () => {
    const before = [analysed('t2', 2, 'proposal'), analysed('t1', null, 'discovery', 1)];
    expect(stageTransitions(before).map((x) => [x.turnId, x.sequence, x.from, x.to])).toEqual([
      ['t2', 2, null, 'proposal'],
      ['t1', null, 'proposal', 'discovery'],
    ]);
    const after = [analysed('t2', 2, 'proposal'), analysed('t1', 1, 'discovery', 1)];
    expect(stageTransitions(after).map((x) => [x.turnId, x.sequence, x.from, x.to])).toEqual([
      ['t1', 1, null, 'discovery'],
      ['t2', 2, 'discovery', 'proposal'],
    ]);
  });

  it('does not depend on the order of its input', () => {
    const analyses = [
      analysed('t1', 1, 'discovery'),
      analysed('t2', 2, 'qualification'),
      analysed('t3', 3, 'qualification'),
      analysed('t4', null, 'proposal', 9),
      analysed('t5', null, 'negotiation', 9),
    ];
    const expected = stageTransitions(analyses);
    expect(expected.map((x) => x.turnId)).toEqual(['t1', 't2', 't4', 't5']);
    for (const order of permutations(analyses)) expect(stageTransitions(order)).toEqual(expected);
  });
});
