import { z } from 'zod';

// The subset of the Anthropic Messages API wire format the test server speaks. Kept independent of the SDK's
// types on purpose: the server must produce what the API produces, not what one SDK version declares.

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'pause_turn';

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

export interface TextBlock {
  readonly type: 'text';
  readonly text: string;
}

export interface ToolUseBlock {
  readonly type: 'tool_use';
  readonly id: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export type ResponseContentBlock = TextBlock | ToolUseBlock;

export interface Usage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
}

/** The JSON body of a non-streaming response (and, with empty content, of `message_start`). */
export interface WireMessage {
  readonly id: string;
  readonly type: 'message';
  readonly role: 'assistant';
  readonly model: string;
  readonly content: readonly ResponseContentBlock[];
  readonly stop_reason: StopReason | null;
  readonly stop_sequence: string | null;
  readonly usage: Usage & { readonly service_tier: 'standard' };
}

/** A request content block: text, image, tool_use, tool_result, ... kept as sent. */
const RequestBlockSchema = z.looseObject({ type: z.string() });

const MessageParamSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(RequestBlockSchema)]),
});

/** A `POST /v1/messages` body, validated as strictly as the API does for the fields tests rely on. */
export const MessagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(MessageParamSchema).min(1),
  system: z.union([z.string(), z.array(RequestBlockSchema)]).optional(),
  tools: z.array(z.looseObject({ name: z.string() })).optional(),
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
});
export type MessagesRequest = z.infer<typeof MessagesRequestSchema>;
export type RequestMessage = MessagesRequest['messages'][number];
export type RequestBlock = z.infer<typeof RequestBlockSchema>;

export const CountTokensRequestSchema = MessagesRequestSchema.omit({ max_tokens: true, stream: true });

export const errorTypeForStatus = (status: number): ApiErrorType => {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
};

export const errorBody = (type: ApiErrorType, message: string) => ({
  type: 'error',
  error: { type, message },
});

/** The content of the request's last message as blocks (a string content is one text block). */
export const lastMessageBlocks = (request: MessagesRequest): RequestBlock[] => {
  const last = request.messages.at(-1);
  if (!last) return [];
  return typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
};

/** The `tool_result` blocks of the request's last message: non-empty when the model is being fed tool results. */
export const toolResultsOf = (request: MessagesRequest): RequestBlock[] =>
  lastMessageBlocks(request).filter((b) => b.type === 'tool_result');

/** The plain text of the request's last user message (string content or its text blocks). */
export const lastUserText = (request: MessagesRequest): string => {
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  if (!lastUser) return '';
  if (typeof lastUser.content === 'string') return lastUser.content;
  return lastUser.content
    .map((b) => (b.type === 'text' && typeof b['text'] === 'string' ? b['text'] : ''))
    .join('');
};
