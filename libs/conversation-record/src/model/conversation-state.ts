import type { ConversationMode, ProspectRef } from '@lib/contracts';
import type { ConversationStatus } from '../entities';

/** The columns of a conversation that events merge into (the stage is derived separately, in SQL). */
export interface ConversationState {
  readonly status: ConversationStatus;
  readonly mode: ConversationMode | null;
  readonly prospect: ProspectRef | null;
  readonly repId: string | null;
  readonly title: string | null;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  readonly turnCount: number;
}

/** What one event tells about its conversation. */
export type ConversationFact =
  /** `conversation.started`: the authoritative settings. */
  | {
      readonly kind: 'started';
      readonly mode: ConversationMode;
      readonly prospect: ProspectRef;
      readonly repId?: string;
      readonly title?: string;
      readonly startedAt: Date;
    }
  /** A turn was stored for the first time; it carries a snapshot of the conversation's settings. */
  | {
      readonly kind: 'turn';
      readonly mode: ConversationMode;
      readonly prospect: ProspectRef;
      readonly receivedAt: Date;
    }
  /** Any other event about the conversation (tool call, analysis, reply, evaluation, ...). */
  | { readonly kind: 'activity'; readonly at: Date };

/** The row created for a conversation first heard of through a derived event (a stub, filled in later). */
export function stubConversation(at: Date): ConversationState {
  return {
    status: 'pending',
    mode: null,
    prospect: null,
    repId: null,
    title: null,
    startedAt: at,
    updatedAt: at,
    turnCount: 0,
  };
}

const earliest = (a: Date, b: Date): Date => (b.getTime() < a.getTime() ? b : a);
const latest = (a: Date, b: Date): Date => (b.getTime() > a.getTime() ? b : a);

/**
 * Merges one fact into a conversation. Order-independent by construction:
 * - `conversation.started` is authoritative for the settings and the start time; the first one stored wins
 *   (a second one for an active conversation changes nothing).
 * - While the conversation is pending (a stub), turn snapshots fill settings that are still unknown, and the
 *   start time is the earliest event time seen so far.
 * - `updatedAt` only moves forward; `turnCount` counts turns stored for the first time (the caller only
 *   passes a `turn` fact when the turn row was actually inserted).
 */
export function applyConversationFact(state: ConversationState, fact: ConversationFact): ConversationState {
  switch (fact.kind) {
    case 'started':
      if (state.status === 'active') return { ...state, updatedAt: latest(state.updatedAt, fact.startedAt) };
      return {
        ...state,
        status: 'active',
        mode: fact.mode,
        prospect: fact.prospect,
        repId: fact.repId ?? null,
        title: fact.title ?? null,
        startedAt: fact.startedAt,
        updatedAt: latest(state.updatedAt, fact.startedAt),
      };
    case 'turn':
      return {
        ...state,
        mode: state.status === 'pending' ? (state.mode ?? fact.mode) : state.mode,
        prospect: state.status === 'pending' ? (state.prospect ?? fact.prospect) : state.prospect,
        startedAt: state.status === 'pending' ? earliest(state.startedAt, fact.receivedAt) : state.startedAt,
        updatedAt: latest(state.updatedAt, fact.receivedAt),
        turnCount: state.turnCount + 1,
      };
    case 'activity':
      return {
        ...state,
        startedAt: state.status === 'pending' ? earliest(state.startedAt, fact.at) : state.startedAt,
        updatedAt: latest(state.updatedAt, fact.at),
      };
  }
}

export function sameConversationState(a: ConversationState, b: ConversationState): boolean {
  return (
    a.status === b.status &&
    a.mode === b.mode &&
    JSON.stringify(a.prospect) === JSON.stringify(b.prospect) &&
    a.repId === b.repId &&
    a.title === b.title &&
    a.startedAt.getTime() === b.startedAt.getTime() &&
    a.updatedAt.getTime() === b.updatedAt.getTime() &&
    a.turnCount === b.turnCount
  );
}
