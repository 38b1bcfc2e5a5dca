import type { DealStage } from '@lib/contracts';
import { conversationOrder, type AnalysedTurn } from './analysed-turn';

/** A change of the conversation's deal stage, and the analysed turn that caused it. */
export interface StageTransition {
  readonly turnId: string;
  /** null while the causing turn is not stored yet. */
  readonly sequence: number | null;
  /** null for the conversation's first known stage. */
  readonly from: DealStage | null;
  readonly to: DealStage;
  /** The analysis' completion time. */
  readonly occurredAt: Date;
}

/**
 * The conversation's stage transitions: its analyses in conversation order (see `conversationOrder`), one
 * transition wherever the stage differs from the previous analysis' (the first analysis opens the list, from
 * null). Pure and a function of the set of analyses only, so late and out-of-order events converge: the
 * record recomputes it whenever an analysis or a turn is stored. Its last `to` is the conversation's stage.
 */
export function stageTransitions(analyses: readonly AnalysedTurn[]): StageTransition[] {
  const transitions: StageTransition[] = [];
  let current: DealStage | null = null;
  for (const a of [...analyses].sort(conversationOrder)) {
    if (a.stage === current) continue;
    transitions.push({
      turnId: a.turnId,
      sequence: a.sequence,
      from: current,
      to: a.stage,
      occurredAt: a.completedAt,
    });
    current = a.stage;
  }
  return transitions;
}
