import type { z } from 'zod';

/**
 * What a tool is, independent of how it runs: the orchestrator declares tools to the model from these specs,
 * the tool-runner validates arguments and results with them.
 */
export interface ToolSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  /** Name the model calls the tool by: `^[a-z][a-z0-9_]{0,63}$`. */
  readonly name: string;
  /** Bumped when arguments or result change shape. */
  readonly version: string;
  /** What the tool does and when to use it: the model reads this. */
  readonly description: string;
  readonly arguments: A;
  readonly result: R;
}

/** Who a tool runs for. Set by the tool-runner from the event envelope, never from the model's arguments. */
export interface ToolContext {
  readonly tenantId: string;
  readonly toolCallId: string;
  /** The conversation and turn the call belongs to (from the event; absent when run outside a turn). */
  readonly conversationId?: string;
  readonly turnId?: string;
  /** Aborted when the call timed out: long tools should stop between steps. */
  readonly signal: AbortSignal;
}

/** A tool: its spec and its implementation. */
export interface Tool<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> extends ToolSpec<
  A,
  R
> {
  execute(args: z.output<A>, context: ToolContext): Promise<z.input<R>>;
}

export function defineToolSpec<A extends z.ZodType, R extends z.ZodType>(
  spec: ToolSpec<A, R>,
): ToolSpec<A, R> {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(spec.name)) throw new Error(`invalid tool name: ${spec.name}`);
  return Object.freeze(spec);
}

export function implementTool<A extends z.ZodType, R extends z.ZodType>(
  spec: ToolSpec<A, R>,
  execute: (args: z.output<A>, context: ToolContext) => Promise<z.input<R>>,
): Tool<A, R> {
  return { ...spec, execute };
}

/** Error codes of failed tool calls (the `code` of ToolFailed). */
export type ToolErrorCode =
  'unknown_tool' | 'invalid_arguments' | 'timeout' | 'invalid_result' | 'tool_error' | 'conflict';

/** A failure a tool reports on purpose (e.g. a business rule); anything else thrown becomes `tool_error`. */
export class ToolExecutionError extends Error {
  constructor(
    readonly code: ToolErrorCode | (string & {}),
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ToolExecutionError';
  }
}
