import type { ToolError } from '@lib/contracts';
import type { ToolCallStatus } from '../entities';

export interface ToolCallState {
  readonly tool: string;
  readonly status: ToolCallStatus;
  readonly arguments: Record<string, unknown> | null;
  readonly result: unknown;
  readonly error: ToolError | null;
  readonly durationMs: number | null;
  readonly requestedAt: Date | null;
  readonly finishedAt: Date | null;
}

export type ToolCallFact =
  | {
      readonly kind: 'requested';
      readonly tool: string;
      readonly arguments: Record<string, unknown>;
      readonly requestedAt: Date;
    }
  | {
      readonly kind: 'completed';
      readonly tool: string;
      readonly result: unknown;
      readonly durationMs: number;
      readonly completedAt: Date;
    }
  | {
      readonly kind: 'failed';
      readonly tool: string;
      readonly error: ToolError;
      readonly durationMs: number;
      readonly failedAt: Date;
    };

function applyOutcome(
  state: ToolCallState | undefined,
  tool: string,
  outcome: Pick<ToolCallState, 'status' | 'result' | 'error' | 'durationMs' | 'finishedAt'>,
): ToolCallState {
  if (!state) return { tool, arguments: null, requestedAt: null, ...outcome };
  // An outcome replaces a stored one only when it finished strictly later (a retried call): a late
  // duplicate or an older attempt never overwrites newer data.
  const stored = state.finishedAt;
  if (stored && outcome.finishedAt && outcome.finishedAt.getTime() <= stored.getTime()) return state;
  return { ...state, ...outcome };
}

/**
 * Merges a tool event into the stored call (undefined when none is stored yet). The request and its
 * outcome may arrive in either order: the request only fills the request's columns (the first request
 * stored wins) and never moves a finished call back to `requested`.
 */
export function applyToolCallFact(state: ToolCallState | undefined, fact: ToolCallFact): ToolCallState {
  switch (fact.kind) {
    case 'requested':
      if (!state) {
        return {
          tool: fact.tool,
          status: 'requested',
          arguments: fact.arguments,
          result: null,
          error: null,
          durationMs: null,
          requestedAt: fact.requestedAt,
          finishedAt: null,
        };
      }
      if (state.requestedAt) return state;
      return { ...state, arguments: fact.arguments, requestedAt: fact.requestedAt };
    case 'completed':
      return applyOutcome(state, fact.tool, {
        status: 'completed',
        result: fact.result,
        error: null,
        durationMs: fact.durationMs,
        finishedAt: fact.completedAt,
      });
    case 'failed':
      return applyOutcome(state, fact.tool, {
        status: 'failed',
        result: null,
        error: fact.error,
        durationMs: fact.durationMs,
        finishedAt: fact.failedAt,
      });
  }
}
