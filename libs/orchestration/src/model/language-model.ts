import type { Analysis, Citation, ConversationMode, ModelInfo, ProspectRef, TurnRole } from '@lib/contracts';
import type { CrmProfile, KnowledgePassage, ToolOutcome } from './tool-outcomes';

/** An earlier turn of the conversation, oldest first in `TurnContext.history`. */
export interface HistoryTurn {
  readonly sequence: number;
  readonly role: TurnRole;
  readonly text: string;
}

/** Everything a language model gets to analyse a turn and write its reply. */
export interface TurnContext {
  readonly conversationId: string;
  readonly turnId: string;
  readonly mode: ConversationMode;
  readonly prospect: ProspectRef;
  readonly role: TurnRole;
  /** The message of the turn being answered. */
  readonly message: string;
  readonly history: readonly HistoryTurn[];
  /** Raw tool outcomes (for providers that show the model the tool results as they are). */
  readonly tools: readonly ToolOutcome[];
  /** The same outcomes normalised: knowledge-base passages (best first) and the CRM profile. */
  readonly knowledge: readonly KnowledgePassage[];
  readonly crm?: CrmProfile;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface ModelReply {
  readonly text: string;
  /** The grounding sources the reply relies on: sourceIds exactly as the tools gave them. */
  readonly citations: readonly Citation[];
}

export interface TurnAnalysisOutput {
  readonly analysis: Analysis;
  readonly usage: TokenUsage;
}

export interface TurnResponseOutput extends TurnAnalysisOutput {
  readonly reply: ModelReply;
}

export interface ModelCallOptions {
  /** Aborted when the orchestrator's model timeout expires. */
  readonly signal?: AbortSignal;
}

/**
 * The provider interface: the offline rule engine today, Claude next. Output is structured (an `Analysis`
 * from the contracts and a cited reply); the orchestrator validates it before publishing anything.
 */
export abstract class LanguageModel {
  abstract readonly info: ModelInfo;

  /** Analysis only: for turns that need no reply (the rep's own messages). */
  abstract analyse(context: TurnContext, options?: ModelCallOptions): Promise<TurnAnalysisOutput>;

  /** Analysis and the reply (autonomous mode) or suggestion for the rep (assist mode). */
  abstract respond(context: TurnContext, options?: ModelCallOptions): Promise<TurnResponseOutput>;
}
