import type { ConversationMode } from '@lib/contracts';
import type { TurnContext } from '../model/language-model';
import type { ToolOutcome } from '../model/tool-outcomes';

/** Why the model must be asked again for its final outcome without a (valid) `submit_turn_outcome` call. */
export type MissingOutcomeReason = 'text_only' | 'max_tokens' | 'refusal' | 'other';

/**
 * How the offline rule engine reads a prompt (it has no language understanding, so a prompt that changes
 * behaviour says so here as well as in its wording). Absent: the default behaviour.
 */
export interface OfflinePromptSettings {
  /** false: the reply quotes the passages but cites nothing (a prompt that forbids citations). */
  readonly citeSources?: boolean;
}

export interface PromptLimits {
  /** Characters of one passage, CRM record or tool result shown to the model. */
  readonly maxDataChars: number;
}

/**
 * A versioned prompt. Everything the model reads that is not data comes from here, so a prompt change is a
 * new version (a new file), and the version stamped on replies, events and spans tells the evaluator which
 * prompt produced what. Never edit a released version's wording: copy it to the next version.
 */
export interface PromptTemplate {
  readonly version: string;
  /** The offline model's reading of this prompt (see `OfflinePromptSettings`); absent: the default. */
  readonly offline?: OfflinePromptSettings;
  /** The system prompt for a conversation mode. Stable across turns: it is part of the cached prefix. */
  system(mode: ConversationMode): string;
  /** Description of the final tool the model calls with its structured outcome. */
  readonly outcomeToolDescription: string;
  /** Opening user line when the conversation history starts with the rep (the API needs a user turn first). */
  readonly conversationOpenedByRep: string;
  /**
   * The current turn as user-message text blocks: data blocks for what is already known (CRM profile,
   * retrieved passages), then the message and the task.
   */
  currentTurn(context: TurnContext, limits: PromptLimits): string[];
  /** The content of the `tool_result` for one tool outcome (data, delimited and marked untrusted). */
  toolResult(outcome: ToolOutcome, limits: PromptLimits): string;
  /** `tool_result` for a final-outcome call made together with data-tool calls (it is ignored). */
  readonly prematureOutcome: string;
  /** `tool_result` (is_error) for an invalid final outcome: lists what to fix. */
  repairInvalidOutcome(errors: readonly string[]): string;
  /** User text asking for the final outcome when the model did not (validly) call the outcome tool. */
  repairMissingOutcome(reason: MissingOutcomeReason): string;
}
