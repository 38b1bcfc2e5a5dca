import type { DealStage } from '@lib/contracts';
import { conversationOrder, type AnalysedTurn } from './analysed-turn';

/** How far a stage is in the funnel; a lost deal is no progress. */
const FUNNEL: Readonly<Record<DealStage, number>> = {
  prospecting: 0,
  discovery: 1,
  qualification: 2,
  proposal: 3,
  negotiation: 4,
  closed_won: 5,
  closed_lost: -1,
};

/** One objection row: `analysis_objections (turn_id, ordinal)`. */
export interface ObjectionKey {
  readonly turnId: string;
  readonly ordinal: number;
}

/**
 * Which objections of a conversation are handled. The rule (deterministic, a function of the stored analyses
 * and turns only): an objection of type T raised in the analysis of prospect turn n is **handled** when a
 * later analysed prospect turn m (sequence m > n) either
 * - does not raise T again and its sentiment is not negative (the prospect moved on), or
 * - is at a stage further in the funnel than turn n's analysis (the deal advanced; `closed_lost` never does).
 *
 * Analyses whose turn is not stored yet take no part: their turn's position and role are unknown, so their
 * own objections stay unhandled and they resolve nothing until `turn.received` arrives (the record
 * recomputes the flags then). Objections found in a rep's own turn are not the prospect's: they are never
 * handled and the analytics do not count them. Several objections of one type in one analysis share the
 * outcome.
 */
export function handledObjections(analyses: readonly AnalysedTurn[]): ObjectionKey[] {
  const placed = analyses.filter((a) => a.sequence !== null).sort(conversationOrder);
  const handled: ObjectionKey[] = [];
  placed.forEach((raised, index) => {
    if (raised.role !== 'prospect' || raised.objections.length === 0) return;
    const later = placed
      .slice(index + 1)
      .filter((m) => m.role === 'prospect' && (m.sequence ?? 0) > (raised.sequence ?? 0));
    raised.objections.forEach((objection, ordinal) => {
      const resolved = later.some(
        (m) =>
          (m.sentiment !== 'negative' && !m.objections.some((o) => o.type === objection.type)) ||
          FUNNEL[m.stage] > FUNNEL[raised.stage],
      );
      if (resolved) handled.push({ turnId: raised.turnId, ordinal });
    });
  });
  return handled;
}
