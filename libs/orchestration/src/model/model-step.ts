import type { Analysis, Citation, ModelInfo, NextBestAction, ProposedCrmUpdate } from '@lib/contracts';
import type { TurnContext } from './language-model';
import type { ToolOutcome } from './tool-outcomes';

/**
 * The tool loop between the orchestrator and a language model (issue 3). A turn is a sequence of steps:
 * each step either asks for tools (run by the tool-runner through events, results fed back in the next step)
 * or gives the final structured outcome. Steps are durable: the orchestrator stores each round, so a crash
 * resumes at the step it was in.
 */

/** A tool the model may call: from the tool registry (`TOOL_DEFINITIONS` of @lib/tools). */
export interface ToolDeclaration {
  readonly name: string;
  readonly description: string;
  readonly inputJsonSchema: Record<string, unknown>;
}

/** A tool call as the model asked for it. `providerCallId` is the provider's id (Claude: `toolu_…`). */
export interface ModelToolCall {
  readonly providerCallId: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/** One finished round: what the model asked for, and what each call gave (same order as `calls`). */
export interface ModelRound {
  readonly calls: readonly ModelToolCall[];
  /** Outcomes keyed by our deterministic toolCallId; `calls[i]` ↔ `outcomes[i]`. */
  readonly outcomes: readonly ToolOutcome[];
  /**
   * The provider's assistant message of that round, replayed verbatim in the next request (Claude needs its
   * own `tool_use` blocks back before the `tool_result` blocks). JSON, stored by the orchestrator.
   */
  readonly assistantContent?: unknown;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
  readonly costUsd?: number;
}

export interface ModelReply {
  readonly text: string;
  /** sourceIds exactly as the tools gave them; the orchestrator drops citations to unknown sources. */
  readonly citations: readonly Citation[];
}

/** The final structured output of a turn, validated before anything is published. */
export interface TurnOutcome {
  readonly analysis: Analysis;
  /** Absent for turns that need no reply (the rep's own messages). */
  readonly reply?: ModelReply;
  readonly nextBestActions: readonly NextBestAction[];
  readonly proposedCrmUpdates: readonly ProposedCrmUpdate[];
}

export type ModelStep =
  | {
      readonly kind: 'tool_calls';
      readonly calls: readonly ModelToolCall[];
      readonly assistantContent?: unknown;
      readonly usage: TokenUsage;
    }
  | { readonly kind: 'final'; readonly outcome: TurnOutcome; readonly usage: TokenUsage };

export interface ModelStepRequest {
  readonly context: TurnContext;
  /** Earlier rounds of this turn, oldest first. */
  readonly rounds: readonly ModelRound[];
  readonly tools: readonly ToolDeclaration[];
  /** The last step the loop allows: the model must give its final outcome, no more tools. */
  readonly finalOnly: boolean;
  /** Called with each new piece of the reply text as it is generated (streaming). */
  readonly onReplyDelta?: (text: string) => void;
  readonly signal?: AbortSignal;
}

/** Why a model step failed; the orchestrator publishes `turn.failed` with this code (never a canned reply). */
export type ModelErrorCode =
  'model_auth_failed' | 'model_unavailable' | 'model_timeout' | 'model_bad_request' | 'invalid_model_output';

export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    readonly details: { readonly status?: number; readonly requestId?: string } = {},
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

/** A model that works in steps (the tool loop). Implemented by the offline rule engine and by Claude. */
export interface SteppingLanguageModel {
  readonly info: ModelInfo;
  step(request: ModelStepRequest): Promise<ModelStep>;
}
