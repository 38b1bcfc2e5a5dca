import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

const TOOL_CALL_KEY =
  'Tool-call id, so the parallel calls of one model response run in parallel on different partitions ' +
  '(the subject, ce_subject, is still the conversation id)';

const ToolCallRef = {
  conversationId: Id,
  turnId: Id,
  toolCallId: Id.describe('Deterministic: the same request always has the same id, so it never runs twice'),
  tool: z.string().min(1).max(64).describe('Name of the tool in the tool registry'),
};

export const ToolRequestedData = z.object({
  ...ToolCallRef,
  arguments: z.record(z.string(), z.unknown()),
  requestedAt: IsoTime,
});
export type ToolRequestedData = z.infer<typeof ToolRequestedData>;

export const ToolCompletedData = z.object({
  ...ToolCallRef,
  result: z.unknown().describe('Tool-specific JSON result, described by the tool registry'),
  durationMs: z.number().nonnegative(),
  completedAt: IsoTime,
});
export type ToolCompletedData = z.infer<typeof ToolCompletedData>;

export const ToolError = z.object({
  code: z.string().min(1),
  message: z.string(),
  retryable: z.boolean(),
});
export type ToolError = z.infer<typeof ToolError>;

export const ToolFailedData = z.object({
  ...ToolCallRef,
  error: ToolError,
  durationMs: z.number().nonnegative(),
  failedAt: IsoTime,
});
export type ToolFailedData = z.infer<typeof ToolFailedData>;

export const ToolRequested = defineEvent({
  type: eventType('tool.requested'),
  topic: Topics.tools,
  schema: ToolRequestedData,
  description: 'The orchestrator asks the tool-runner to run a tool for a turn.',
  keyOf: (d) => d.conversationId,
  partitionKeyOf: (d) => d.toolCallId,
  keyDescription: TOOL_CALL_KEY,
});

export const ToolCompleted = defineEvent({
  type: eventType('tool.completed'),
  topic: Topics.tools,
  schema: ToolCompletedData,
  description: 'A tool ran successfully; its result is fed back to the orchestrator.',
  keyOf: (d) => d.conversationId,
  partitionKeyOf: (d) => d.toolCallId,
  keyDescription: TOOL_CALL_KEY,
});

export const ToolFailed = defineEvent({
  type: eventType('tool.failed'),
  topic: Topics.tools,
  schema: ToolFailedData,
  description: 'A tool could not run (invalid arguments, not found, timeout, ...).',
  keyOf: (d) => d.conversationId,
  partitionKeyOf: (d) => d.toolCallId,
  keyDescription: TOOL_CALL_KEY,
});
