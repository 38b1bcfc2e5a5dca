import {
  countWords,
  evaluateConversation,
  type AnalysisFact,
  type TurnFact,
} from './conversation-evaluation';

const at = (s: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, s));
const turn = (n: number, role: TurnFact['role'], wordCount: number): TurnFact => ({
  turnId: `t${n}`,
  sequence: n,
  role,
  wordCount,
});
const analysis = (
  n: number,
  stage: AnalysisFact['stage'],
  sentiment: AnalysisFact['sentiment'],
  objections: AnalysisFact['objections'] = [],
): AnalysisFact => ({ turnId: `t${n}`, stage, sentiment, objections, completedAt: at(n) });

describe('evaluateConversation', () => {
  it('counts turns, stage progress, a handled objection, the talk ratio and groundedness (assist)', () => {
    const result = evaluateConversation({
      mode: 'assist',
      turns: [turn(1, 'prospect', 10), turn(2, 'rep', 30), turn(3, 'prospect', 20), turn(4, 'rep', 40)],
      // Arrival order does not matter: the analyses are ordered by their turn's sequence.
      analyses: [analysis(3, 'proposal', 'positive'), analysis(1, 'discovery', 'neutral', ['price'])],
      groundedness: [1, 0.5],
    });
    expect(result).toEqual({
      mode: 'assist',
      turns: { prospect: 2, rep: 2 },
      stage: { first: 'discovery', last: 'proposal', advances: 1, transitions: 1 },
      objections: { raised: 1, handled: 1, byType: { price: { raised: 1, handled: 1 } } },
      talkRatio: 0.7,
      replies: 2,
      groundedness: { mean: 0.75, min: 0.5 },
    });
  });

  it('does not count objections found in a rep turn: they are not the prospect raising them', () => {
    const result = evaluateConversation({
      mode: 'assist',
      turns: [turn(1, 'prospect', 10), turn(2, 'rep', 30), turn(3, 'prospect', 20)],
      analyses: [
        analysis(1, 'discovery', 'neutral', ['price']),
        analysis(2, 'discovery', 'neutral', ['price', 'timing']),
        analysis(3, 'discovery', 'positive'),
      ],
      groundedness: [],
    });
    expect(result.objections).toEqual({
      raised: 1,
      handled: 1,
      byType: { price: { raised: 1, handled: 1 } },
    });
  });

  it('does not count an objection raised again, or a lost deal, as handled; no talk ratio in autonomous mode', () => {
    const result = evaluateConversation({
      mode: 'autonomous',
      turns: [turn(1, 'prospect', 5), turn(2, 'prospect', 5), turn(3, 'prospect', 5)],
      analyses: [
        analysis(1, 'discovery', 'neutral', ['price']),
        analysis(2, 'discovery', 'negative', ['price', 'timing']),
        analysis(3, 'closed_lost', 'negative'),
      ],
      groundedness: [],
    });
    expect(result.objections).toEqual({
      raised: 3,
      handled: 0,
      byType: { price: { raised: 2, handled: 0 }, timing: { raised: 1, handled: 0 } },
    });
    expect(result.stage).toEqual({ first: 'discovery', last: 'closed_lost', advances: 0, transitions: 1 });
    expect(result.talkRatio).toBeNull();
    expect(result.groundedness).toEqual({ mean: null, min: null });
  });

  it('handles an objection when a later prospect turn is further in the funnel, even if negative', () => {
    const result = evaluateConversation({
      mode: 'assist',
      turns: [turn(1, 'prospect', 3), turn(2, 'rep', 3), turn(3, 'prospect', 3), turn(4, 'prospect', 3)],
      analyses: [
        analysis(1, 'qualification', 'neutral', ['competitor']),
        // A rep's turn never resolves a prospect's objection.
        analysis(2, 'qualification', 'positive'),
        analysis(3, 'negotiation', 'negative', ['competitor']),
        analysis(4, 'proposal', 'neutral', ['competitor']),
      ],
      groundedness: [0.2],
    });
    // t1: t3 is further in the funnel → handled. t3: t4 raises it again and is not further → not handled.
    expect(result.objections.byType).toEqual({ competitor: { raised: 3, handled: 1 } });
    // qualification → negotiation (advance) → proposal (back)
    expect(result.stage).toEqual({ first: 'qualification', last: 'proposal', advances: 1, transitions: 2 });
    expect(result.talkRatio).toBe(0.25);
    expect(result.groundedness).toEqual({ mean: 0.2, min: 0.2 });
  });

  it('leaves the objections of an analysis whose turn is unknown unhandled, and it resolves nothing', () => {
    const result = evaluateConversation({
      mode: 'assist',
      turns: [turn(1, 'prospect', 4)],
      analyses: [
        analysis(1, 'discovery', 'neutral', ['need']),
        analysis(9, 'proposal', 'positive', ['trust']),
      ],
      groundedness: [],
    });
    expect(result.objections).toEqual({
      raised: 2,
      handled: 0,
      byType: { need: { raised: 1, handled: 0 }, trust: { raised: 1, handled: 0 } },
    });
    // The unplaced analysis ranks last, as in the record.
    expect(result.stage.last).toBe('proposal');
  });

  it('gives zeros and nulls for a conversation with nothing in it', () => {
    expect(evaluateConversation({ mode: null, turns: [], analyses: [], groundedness: [] })).toEqual({
      mode: null,
      turns: { prospect: 0, rep: 0 },
      stage: { first: null, last: null, advances: 0, transitions: 0 },
      objections: { raised: 0, handled: 0, byType: {} },
      talkRatio: null,
      replies: 0,
      groundedness: { mean: null, min: null },
    });
  });

  it('counts words like the record does', () => {
    // The comma splits the number, as in the record: We, can't, go, over, 40, 000, sorry.
    expect(countWords("We can't go over $40,000 — sorry!")).toBe(7);
    expect(countWords('   ')).toBe(0);
  });
});
