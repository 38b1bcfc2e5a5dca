import type { Analysis, DealStage, TurnRole } from '@lib/contracts';

/** An analysis of the conversation with what is known of its turn: the input of the derived facts. */
export interface AnalysedTurn {
  readonly turnId: string;
  /** The turn's sequence; null while `turn.received` is not stored yet. */
  readonly sequence: number | null;
  /** The turn's role; null while the turn is not stored yet. */
  readonly role: TurnRole | null;
  readonly stage: DealStage;
  readonly sentiment: Analysis['sentiment']['label'];
  /** The analysis' objections, in order: the index is the row's `ordinal`. */
  readonly objections: readonly Pick<Analysis['objections'][number], 'type'>[];
  readonly completedAt: Date;
}

/**
 * The conversation's order of analyses: by turn sequence; an analysis whose turn is not stored yet ranks
 * last (the orchestrator only analyses turns it received, so that turn is the newest), the same order as the
 * conversation's current stage; then by completion time and turn id, so the order is total.
 */
export function conversationOrder(a: AnalysedTurn, b: AnalysedTurn): number {
  if (a.sequence !== b.sequence) {
    if (a.sequence === null) return 1;
    if (b.sequence === null) return -1;
    return a.sequence - b.sequence;
  }
  const byTime = a.completedAt.getTime() - b.completedAt.getTime();
  if (byTime !== 0) return byTime;
  return a.turnId < b.turnId ? -1 : a.turnId > b.turnId ? 1 : 0;
}
