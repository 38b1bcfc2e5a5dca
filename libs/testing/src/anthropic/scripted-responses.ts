import type { ApiErrorType, MessagesRequest, ResponseContentBlock, StopReason, Usage } from './wire';
import { errorTypeForStatus } from './wire';

/** A model answer: served as JSON, or as an SSE stream when the request has `stream: true`. */
export interface ScriptedMessage {
  readonly kind: 'message';
  readonly content: readonly ResponseContentBlock[];
  /** Default: `tool_use` when the content has a tool_use block, else `end_turn`. */
  readonly stopReason?: StopReason;
  /** Defaults: input_tokens from the request's size, output_tokens from the content's, cache tokens 0. */
  readonly usage?: Partial<Usage>;
  /** Default: the request's model, echoed back as the API does. */
  readonly model?: string;
  /** Streaming granularity: characters per `text_delta` (default 8) and per `input_json_delta` (default 12). */
  readonly textChunkSize?: number;
  readonly jsonChunkSize?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An API error: `{"type":"error","error":{"type":...,"message":...}}` with the status, before any streaming. */
export interface ScriptedError {
  readonly kind: 'error';
  readonly status: number;
  /** Default: the type the API uses for the status (429 rate_limit_error, 529 overloaded_error, ...). */
  readonly errorType?: ApiErrorType;
  readonly message?: string;
  /** E.g. `{ 'retry-after': '1' }`, `{ 'x-should-retry': 'false' }`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A stream that breaks: the message's first `afterEvents` SSE events are sent, then the socket is destroyed
 * (no `message_stop`). A non-streaming request gets its socket destroyed before any response.
 */
export interface ScriptedCut {
  readonly kind: 'cut';
  readonly message: ScriptedMessage;
  readonly afterEvents: number;
}

/**
 * A stream that fails in band, as the API does when it overloads mid-answer: `afterEvents` events, then an SSE
 * `event: error` (the HTTP status stays 200).
 */
export interface ScriptedStreamError {
  readonly kind: 'stream-error';
  readonly message: ScriptedMessage;
  readonly afterEvents: number;
  readonly errorType: ApiErrorType;
  readonly errorMessage?: string;
}

/**
 * A slow model: headers are sent at once, the first event after `firstEventDelayMs` (default 0), then every
 * following event after `delayMs`. A non-streaming request gets its JSON after `firstEventDelayMs + delayMs`.
 */
export interface ScriptedSlow {
  readonly kind: 'slow';
  readonly message: ScriptedMessage;
  readonly delayMs: number;
  readonly firstEventDelayMs?: number;
}

export type ScriptedResponse =
  ScriptedMessage | ScriptedError | ScriptedCut | ScriptedStreamError | ScriptedSlow;

/** Answers a request from its content; `index` counts the scripted requests answered so far (0-based). */
export type Responder = (
  request: MessagesRequest,
  index: number,
) => ScriptedResponse | Promise<ScriptedResponse>;

export interface ToolCall {
  readonly name: string;
  readonly input: Record<string, unknown>;
  /** Default: `toolu_test_<n>`, unique per process. */
  readonly id?: string;
}

export type MessageOptions = Omit<ScriptedMessage, 'kind' | 'content'>;

let toolUseCounter = 0;
const nextToolUseId = (): string => `toolu_test_${String(++toolUseCounter).padStart(6, '0')}`;

const toolUseBlock = (call: ToolCall): ResponseContentBlock => ({
  type: 'tool_use',
  id: call.id ?? nextToolUseId(),
  name: call.name,
  input: call.input,
});

/**
 * Builders for scripted responses. Usage:
 * `server.enqueue(scripted.toolUse([{ name: 'crm_lookup', input: { email } }]), scripted.text('Hello'))`.
 */
export const scripted = {
  /** A text answer (several strings become several text blocks), `end_turn`. */
  text(text: string | readonly string[], options: MessageOptions = {}): ScriptedMessage {
    const parts = typeof text === 'string' ? [text] : text;
    return { kind: 'message', content: parts.map((t) => ({ type: 'text', text: t })), ...options };
  },

  /** A JSON answer in one text block, as the model returns it under `output_config.format` (json_schema). */
  json(value: unknown, options: MessageOptions = {}): ScriptedMessage {
    return { kind: 'message', content: [{ type: 'text', text: JSON.stringify(value) }], ...options };
  },

  /** One or more (parallel) tool calls, optionally preceded by text, `tool_use`. */
  toolUse(calls: readonly ToolCall[], options: MessageOptions & { preamble?: string } = {}): ScriptedMessage {
    const { preamble, ...rest } = options;
    const blocks = calls.map(toolUseBlock);
    return {
      kind: 'message',
      content: preamble === undefined ? blocks : [{ type: 'text', text: preamble }, ...blocks],
      ...rest,
    };
  },

  /** A single tool call, as returned when `tool_choice` forces the tool that carries the structured answer. */
  finalToolCall(name: string, input: Record<string, unknown>, options: MessageOptions = {}): ScriptedMessage {
    return { kind: 'message', content: [toolUseBlock({ name, input })], stopReason: 'tool_use', ...options };
  },

  /** Any content blocks, for mixed answers. */
  message(content: readonly ResponseContentBlock[], options: MessageOptions = {}): ScriptedMessage {
    return { kind: 'message', content, ...options };
  },

  error(
    status: number,
    options: { errorType?: ApiErrorType; message?: string; headers?: Record<string, string> } = {},
  ): ScriptedError {
    return { kind: 'error', status, ...options, errorType: options.errorType ?? errorTypeForStatus(status) };
  },

  /** 429 rate_limit_error with `retry-after` (seconds; `0.05` works: the SDK parses a float). */
  rateLimited(retryAfterSeconds = 1): ScriptedError {
    return scripted.error(429, {
      message: 'Number of request tokens has exceeded your per-minute rate limit',
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  },

  overloaded(): ScriptedError {
    return scripted.error(529, { message: 'Overloaded' });
  },

  cut(message: ScriptedMessage, afterEvents = 3): ScriptedCut {
    return { kind: 'cut', message, afterEvents };
  },

  streamError(
    message: ScriptedMessage,
    afterEvents = 3,
    errorType: ApiErrorType = 'overloaded_error',
  ): ScriptedStreamError {
    return { kind: 'stream-error', message, afterEvents, errorType };
  },

  slow(message: ScriptedMessage, delayMs = 200, firstEventDelayMs = 0): ScriptedSlow {
    return { kind: 'slow', message, delayMs, firstEventDelayMs };
  },
};
