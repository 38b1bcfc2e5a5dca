import type { ConversationMode, ModelInfo, ProspectRef, TurnRole } from '@lib/contracts';
import type { ModelStep, ModelStepRequest, SteppingLanguageModel } from './model-step';
import type { CrmProfile, KnowledgePassage, ToolOutcome } from './tool-outcomes';

export type { ModelReply, TokenUsage } from './model-step';

/** An earlier turn of the conversation, oldest first in `TurnContext.history`. */
export interface HistoryTurn {
  readonly sequence: number;
  readonly role: TurnRole;
  readonly text: string;
  /** What the assistant answered to that turn (reply or suggestion), when it did. */
  readonly reply?: string;
}

/** Earlier turns that no longer fit the token budget, summarised (stored and extended turn after turn). */
export interface ConversationSummary {
  /** The summary covers every turn up to and including this sequence. */
  readonly coversUpToSequence: number;
  readonly text: string;
}

/** Everything a language model gets for a turn, assembled within the context token budget. */
export interface TurnContext {
  readonly conversationId: string;
  readonly turnId: string;
  readonly mode: ConversationMode;
  readonly prospect: ProspectRef;
  readonly role: TurnRole;
  /** The message of the turn being answered. */
  readonly message: string;
  /** The most recent earlier turns that fit the budget, oldest first (with the assistant's replies). */
  readonly history: readonly HistoryTurn[];
  /** The turns before `history` that did not fit, summarised. */
  readonly summary?: ConversationSummary;
  /** Raw tool outcomes of every round so far (for providers that show the model the results as they are). */
  readonly tools: readonly ToolOutcome[];
  /** The same outcomes normalised: knowledge-base passages (best first, within budget) and the CRM profile. */
  readonly knowledge: readonly KnowledgePassage[];
  readonly crm?: CrmProfile;
}

/**
 * The injection token of the orchestrator's model: any `SteppingLanguageModel` (the offline rule engine,
 * Claude). An abstract class so Nest can inject it; implementations may extend it or just implement the
 * interface and be provided with `useFactory`/`useValue`.
 */
export abstract class LanguageModel implements SteppingLanguageModel {
  abstract readonly info: ModelInfo;
  abstract step(request: ModelStepRequest): Promise<ModelStep>;
}
