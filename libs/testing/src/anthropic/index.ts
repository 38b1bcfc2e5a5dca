export * from './anthropic-test-server';
export * from './scripted-responses';
export type { StreamEvent } from './message-events';
export {
  type ApiErrorType,
  type MessagesRequest,
  type RequestBlock,
  type RequestMessage,
  type ResponseContentBlock,
  type StopReason,
  type TextBlock,
  type ToolUseBlock,
  type Usage,
  type WireMessage,
  MessagesRequestSchema,
  lastMessageBlocks,
  lastUserText,
  toolResultsOf,
} from './wire';
export * from './sales-script';
