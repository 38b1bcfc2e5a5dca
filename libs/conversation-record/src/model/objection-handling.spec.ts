import type { Analysis, DealStage, TurnRole } from '@lib/contracts';
import type { AnalysedTurn } from './analysed-turn';
import { handledObjections } from './objection-handling';

type ObjectionType = Analysis['objections'][number]['type'];

const turn = (
  sequence: number | null,
  options: {
    role?: TurnRole;
    stage?: DealStage;
    sentiment?: Analysis['sentiment']['label'];
    objections?: ObjectionType[];
    id?: string;
  } = {},
): AnalysedTurn => ({
  turnId: options.id ?? `t${sequence}`,
  sequence,
  role: sequence === null ? null : (options.role ?? 'prospect'),
  stage: options.stage ?? 'discovery',
  sentiment: options.sentiment ?? 'neutral',
  objections: (options.objections ?? []).map((type) => ({ type })),
  completedAt: new Date(Date.UTC(2025, 0, 15, 10, sequence ?? 59)),
});

describe('handledObjections', () => {
  it('handles an objection when a later prospect turn moves on without raising it and is not negative', () => {
    const analyses = [turn(1, { objections: ['price'] }), turn(2, { role: 'rep' }), turn(3)];
    expect(handledObjections(analyses)).toEqual([{ turnId: 't1', ordinal: 0 }]);
  });

  it('leaves it unhandled while no later prospect turn is analysed (rep turns do not count)', () => {
    expect(handledObjections([turn(1, { objections: ['price'] })])).toEqual([]);
    expect(handledObjections([turn(1, { objections: ['price'] }), turn(2, { role: 'rep' })])).toEqual([]);
  });

  it('never handles an objection found in a rep turn (it is not the prospect raising it)', () => {
    const analyses = [turn(1), turn(2, { role: 'rep', objections: ['price'] }), turn(3)];
    expect(handledObjections(analyses)).toEqual([]);
  });

  it('leaves it unhandled when every later prospect turn raises it again or is negative', () => {
    const analyses = [
      turn(1, { objections: ['price'] }),
      turn(3, { objections: ['price'] }),
      turn(5, { sentiment: 'negative' }),
    ];
    expect(handledObjections(analyses)).toEqual([]);
  });

  it('compares types: another objection type later still resolves this one', () => {
    const analyses = [turn(1, { objections: ['price', 'timing'] }), turn(3, { objections: ['timing'] })];
    expect(handledObjections(analyses)).toEqual([{ turnId: 't1', ordinal: 0 }]);
  });

  it('handles it when the deal advanced after it, even if the prospect is still negative', () => {
    const analyses = [
      turn(1, { objections: ['price'], stage: 'qualification' }),
      turn(3, { objections: ['price'], sentiment: 'negative', stage: 'proposal' }),
    ];
    expect(handledObjections(analyses)).toEqual([{ turnId: 't1', ordinal: 0 }]);
  });

  it('does not count a lost deal or a step back as progress', () => {
    const lost = [
      turn(1, { objections: ['price'], stage: 'negotiation' }),
      turn(3, { sentiment: 'negative', stage: 'closed_lost' }),
    ];
    expect(handledObjections(lost)).toEqual([]);
    const back = [
      turn(1, { objections: ['need'], stage: 'proposal' }),
      turn(3, { objections: ['need'], stage: 'discovery' }),
    ];
    expect(handledObjections(back)).toEqual([]);
  });

  it('judges each raising on its own: an objection raised again can be handled later', () => {
    const analyses = [
      turn(1, { objections: ['price'] }),
      turn(3, { objections: ['price'] }),
      turn(5, { objections: ['competitor'] }),
      turn(7, { sentiment: 'negative' }),
    ];
    expect(handledObjections(analyses)).toEqual([
      { turnId: 't1', ordinal: 0 },
      { turnId: 't3', ordinal: 0 },
    ]);
  });

  it('leaves analyses of turns not stored yet out, on both sides', () => {
    const pending = [turn(1, { objections: ['price'] }), turn(null, { id: 'late', objections: ['trust'] })];
    expect(handledObjections(pending)).toEqual([]);
    // Once the late turn is stored it resolves the earlier objection.
    const stored = [turn(1, { objections: ['price'] }), turn(3, { id: 'late', objections: ['trust'] })];
    expect(handledObjections(stored)).toEqual([{ turnId: 't1', ordinal: 0 }]);
  });

  it('does not depend on the order of its input', () => {
    const analyses = [
      turn(1, { objections: ['price', 'price', 'authority'] }),
      turn(3, { objections: ['authority'], sentiment: 'positive' }),
      turn(4, { role: 'rep' }),
      turn(5, { objections: ['authority'], stage: 'qualification' }),
    ];
    const expected = handledObjections(analyses);
    expect(expected).toEqual([
      { turnId: 't1', ordinal: 0 },
      { turnId: 't1', ordinal: 1 },
      { turnId: 't1', ordinal: 2 },
      { turnId: 't3', ordinal: 0 },
    ]);
    expect(handledObjections([...analyses].reverse())).toEqual(expected);
    expect(handledObjections([analyses[2], analyses[0], analyses[3], analyses[1]])).toEqual(expected);
  });
});
