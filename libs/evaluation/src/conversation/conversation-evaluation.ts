import type {
  Analysis,
  ConversationEvaluatedData,
  ConversationMode,
  DealStage,
  TurnRole,
} from '@lib/contracts';

type ObjectionType = Analysis['objections'][number]['type'];
type Sentiment = Analysis['sentiment']['label'];

/** A turn as the evaluator keeps it: no text, its word count. */
export interface TurnFact {
  readonly turnId: string;
  readonly sequence: number;
  readonly role: TurnRole;
  readonly wordCount: number;
}

/** An analysis as the evaluator keeps it. */
export interface AnalysisFact {
  readonly turnId: string;
  readonly stage: DealStage;
  readonly sentiment: Sentiment;
  /** The analysis' objections, in order. */
  readonly objections: readonly ObjectionType[];
  readonly completedAt: Date;
}

/** Everything a conversation-level evaluation is computed from. */
export interface ConversationFacts {
  readonly mode: ConversationMode | null;
  readonly turns: readonly TurnFact[];
  readonly analyses: readonly AnalysisFact[];
  /** Groundedness of each scored reply of the conversation. */
  readonly groundedness: readonly number[];
}

export type ConversationScores = Pick<
  ConversationEvaluatedData,
  'mode' | 'turns' | 'stage' | 'objections' | 'talkRatio' | 'replies' | 'groundedness'
>;

/**
 * How far a stage is in the funnel; a lost deal is no progress. Mirrors
 * `libs/conversation-record/src/model/objection-handling.ts` (persistence's record; not exported by
 * `@lib/conversation-record`, and the evaluator must not depend on another service's library anyway).
 */
export const FUNNEL: Readonly<Record<DealStage, number>> = {
  prospecting: 0,
  discovery: 1,
  qualification: 2,
  proposal: 3,
  negotiation: 4,
  closed_won: 5,
  closed_lost: -1,
};

interface PlacedAnalysis extends AnalysisFact {
  /** The turn's sequence and role; null while `turn.received` was not seen. */
  readonly sequence: number | null;
  readonly role: TurnRole | null;
}

/** The record's conversation order (`analysed-turn.ts`): by sequence, unplaced last, then time, then id. */
function conversationOrder(a: PlacedAnalysis, b: PlacedAnalysis): number {
  if (a.sequence !== b.sequence) {
    if (a.sequence === null) return 1;
    if (b.sequence === null) return -1;
    return a.sequence - b.sequence;
  }
  const byTime = a.completedAt.getTime() - b.completedAt.getTime();
  if (byTime !== 0) return byTime;
  return a.turnId < b.turnId ? -1 : a.turnId > b.turnId ? 1 : 0;
}

/**
 * Whether each objection is handled: the rule of persistence's record
 * (`libs/conversation-record/src/model/objection-handling.ts`, `handledObjections`), mirrored. An objection
 * of type T raised in the analysis of prospect turn n is handled when a later analysed prospect turn m (m > n)
 * either does not raise T again and is not negative, or is at a stage further in the funnel. Analyses whose
 * turn is unknown take no part; objections found in a rep's own turn are never handled. Returns, per
 * analysis (in `placed` order), one flag per objection.
 */
export function objectionHandling(placed: readonly PlacedAnalysis[]): boolean[][] {
  return placed.map((raised, index) => {
    if (raised.sequence === null || raised.role !== 'prospect') return raised.objections.map(() => false);
    const later = placed
      .slice(index + 1)
      .filter((m) => m.sequence !== null && m.role === 'prospect' && m.sequence > (raised.sequence ?? 0));
    return raised.objections.map((type) =>
      later.some(
        (m) =>
          (m.sentiment !== 'negative' && !m.objections.includes(type)) ||
          FUNNEL[m.stage] > FUNNEL[raised.stage],
      ),
    );
  });
}

const round = (n: number): number => Math.round(n * 10_000) / 10_000;

/**
 * The conversation-level evaluation, a pure function of the facts (whatever order they arrived in):
 * - turns per role;
 * - stage: the first and last stage of the analyses in conversation order, `transitions` = changes between
 *   consecutive analyses, `advances` = those further into the funnel;
 * - objections raised (every objection of every analysis but those of the rep's own turns, which are not the
 *   prospect's) and handled (the record's rule), per type too;
 * - talkRatio = rep words / all words in assist mode (null otherwise, or with no words);
 * - groundedness mean and min over the scored replies (null without any).
 */
export function evaluateConversation(facts: ConversationFacts): ConversationScores {
  const turnById = new Map(facts.turns.map((t) => [t.turnId, t]));
  const placed: PlacedAnalysis[] = facts.analyses
    .map((a) => {
      const turn = turnById.get(a.turnId);
      return { ...a, sequence: turn?.sequence ?? null, role: turn?.role ?? null };
    })
    .sort(conversationOrder);

  let transitions = 0;
  let advances = 0;
  for (let i = 1; i < placed.length; i++) {
    const from = placed[i - 1].stage;
    const to = placed[i].stage;
    if (from === to) continue;
    transitions++;
    if (FUNNEL[to] > FUNNEL[from]) advances++;
  }

  const handled = objectionHandling(placed);
  const byType: Record<string, { raised: number; handled: number }> = {};
  let raisedCount = 0;
  let handledCount = 0;
  placed.forEach((a, i) =>
    (a.role === 'rep' ? [] : a.objections).forEach((type, ordinal) => {
      const entry = (byType[type] ??= { raised: 0, handled: 0 });
      entry.raised++;
      raisedCount++;
      if (handled[i][ordinal]) {
        entry.handled++;
        handledCount++;
      }
    }),
  );

  const words = { prospect: 0, rep: 0 };
  const turns = { prospect: 0, rep: 0 };
  for (const t of facts.turns) {
    turns[t.role]++;
    words[t.role] += t.wordCount;
  }
  const allWords = words.prospect + words.rep;
  const talkRatio = facts.mode === 'assist' && allWords > 0 ? round(words.rep / allWords) : null;

  const g = facts.groundedness;
  return {
    mode: facts.mode,
    turns,
    stage: {
      first: placed[0]?.stage ?? null,
      last: placed.at(-1)?.stage ?? null,
      advances,
      transitions,
    },
    objections: { raised: raisedCount, handled: handledCount, byType },
    talkRatio,
    replies: g.length,
    groundedness: {
      mean: g.length === 0 ? null : round(g.reduce((s, x) => s + x, 0) / g.length),
      min: g.length === 0 ? null : Math.min(...g),
    },
  };
}

/** Words in a turn's text, as persistence's record counts them (`turn-text.ts`, `wordCount`). */
export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu)?.length ?? 0;
}
