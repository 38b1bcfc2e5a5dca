import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { ModelError } from '../model/model-step';

/**
 * A failure in the middle of a stream that already started: the connection dropped, the body ended before
 * `message_stop`, or the API sent an `error` event (e.g. `overloaded_error`). The SDK does not retry these
 * (its retries happen before the response starts), so the adapter retries once itself.
 */
export function isStreamCut(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIConnectionTimeoutError) return false;
  if (error instanceof APIConnectionError) return true;
  // An `error` event inside the SSE stream: an APIError without an HTTP status.
  if (error instanceof APIError) return error.status === undefined;
  // "stream ended without producing a Message", or a socket error wrapped by the MessageStream.
  return error instanceof AnthropicError;
}

/**
 * Maps what the SDK throws, after its own retries, to the orchestrator's error codes. The SDK has already
 * retried 408/409/429/5xx/529 and connection errors (`maxRetries`, exponential backoff with jitter,
 * honouring `retry-after` / `retry-after-ms`), so whatever arrives here is final.
 */
export function toModelError(error: unknown, context: { readonly timedOut?: boolean } = {}): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof APIUserAbortError || context.timedOut) {
    return new ModelError('model_timeout', 'the model call was aborted: its time budget ran out');
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelError('model_timeout', 'the Anthropic API did not answer in time');
  }
  if (error instanceof APIConnectionError) {
    return new ModelError('model_unavailable', `the Anthropic API could not be reached: ${error.message}`);
  }
  if (error instanceof APIError) {
    // instanceof leaves the class's generic parameters as `any`: name them.
    const status = (error as APIError<number | undefined>).status;
    const details = { status, requestId: error.requestID ?? undefined };
    const reason: string = (error as APIError).type ?? error.apiMessage ?? error.message;
    if (status === 401 || status === 403) {
      return new ModelError('model_auth_failed', `the Anthropic API key was rejected (${status})`, details);
    }
    if (status === 408)
      return new ModelError('model_timeout', `the Anthropic API timed out (${reason})`, details);
    if (status === 429) {
      return new ModelError(
        'model_unavailable',
        `rate limited by the Anthropic API after retries (${reason})`,
        details,
      );
    }
    if (status === undefined || status >= 500 || status === 409) {
      return new ModelError(
        'model_unavailable',
        `the Anthropic API failed (${status ?? 'stream'}: ${reason})`,
        details,
      );
    }
    return new ModelError(
      'model_bad_request',
      `the Anthropic API rejected the request (${status}: ${reason})`,
      details,
    );
  }
  if (error instanceof AnthropicError) {
    return new ModelError('model_unavailable', `the model stream failed: ${error.message}`);
  }
  // Not an SDK error: a bug of ours. Keep it visible rather than disguised as an outage.
  throw error;
}
