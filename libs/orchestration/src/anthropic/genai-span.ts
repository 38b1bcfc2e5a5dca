import type Anthropic from '@anthropic-ai/sdk';
import { APIError } from '@anthropic-ai/sdk';
import { type Attributes, type Span, SpanStatusCode } from '@opentelemetry/api';
import { ModelError } from '../model/model-step';
import type { StepParams } from './request-builder';

/**
 * OpenTelemetry GenAI semantic conventions (gen_ai.*), as in @opentelemetry/semantic-conventions' incubating
 * attributes (spelled out: the incubating entry point is not meant to be imported by libraries).
 */
export const GenAI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  /** Deprecated in favour of gen_ai.provider.name; still read by many backends. */
  system: 'gen_ai.system',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  /** Seconds from the request to the first generated token. */
  responseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageCacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  systemInstructions: 'gen_ai.system_instructions',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  errorType: 'error.type',
} as const;

/** Attributes of ours, beside the conventions. */
export const SalesAgentAttributes = {
  promptVersion: 'sales_agent.prompt.version',
  turnId: 'sales_agent.turn.id',
  /** `step`, `repair`, or `step_retry` / `repair_retry` after a stream cut in the middle. */
  callPurpose: 'sales_agent.model_call.purpose',
  requestId: 'anthropic.request_id',
  costUsd: 'sales_agent.model_call.cost_usd',
} as const;

const MAX_CAPTURED_CHARS = 32_000;

function capped(value: unknown): string {
  const json = JSON.stringify(value);
  return json.length > MAX_CAPTURED_CHARS ? `${json.slice(0, MAX_CAPTURED_CHARS)}…` : json;
}

export function requestAttributes(
  params: StepParams,
  call: {
    readonly purpose: string;
    readonly promptVersion: string;
    readonly conversationId: string;
    readonly turnId: string;
  },
  captureContent: boolean,
): Attributes {
  const attributes: Attributes = {
    [GenAI.operationName]: 'chat',
    [GenAI.providerName]: 'anthropic',
    [GenAI.system]: 'anthropic',
    [GenAI.conversationId]: call.conversationId,
    [GenAI.requestModel]: params.model,
    [GenAI.requestMaxTokens]: params.max_tokens,
    [GenAI.requestStream]: true,
    [SalesAgentAttributes.promptVersion]: call.promptVersion,
    [SalesAgentAttributes.turnId]: call.turnId,
    [SalesAgentAttributes.callPurpose]: call.purpose,
  };
  if (params.temperature !== undefined) attributes[GenAI.requestTemperature] = params.temperature;
  if (captureContent) {
    attributes[GenAI.systemInstructions] = capped(params.system);
    attributes[GenAI.inputMessages] = capped(params.messages);
  }
  return attributes;
}

export function recordResponse(
  span: Span,
  message: Anthropic.Message,
  extra: { readonly requestId?: string | null; readonly costUsd?: number; readonly captureContent: boolean },
): void {
  const u = message.usage;
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  span.setAttributes({
    [GenAI.responseModel]: message.model,
    [GenAI.responseId]: message.id,
    [GenAI.responseFinishReasons]: message.stop_reason ? [message.stop_reason] : [],
    // The conventions count cached tokens inside input_tokens; the API reports them apart.
    [GenAI.usageInputTokens]: u.input_tokens + cacheRead + cacheWrite,
    [GenAI.usageOutputTokens]: u.output_tokens,
    [GenAI.usageCacheReadInputTokens]: cacheRead,
    [GenAI.usageCacheCreationInputTokens]: cacheWrite,
  });
  if (extra.requestId) span.setAttribute(SalesAgentAttributes.requestId, extra.requestId);
  if (extra.costUsd !== undefined) span.setAttribute(SalesAgentAttributes.costUsd, extra.costUsd);
  if (extra.captureContent) span.setAttribute(GenAI.outputMessages, capped(message.content));
}

export function recordFailure(span: Span, error: unknown, requestId?: string | null): void {
  const type =
    error instanceof ModelError
      ? error.code
      : error instanceof APIError && error.status !== undefined
        ? String(error.status)
        : error instanceof Error
          ? error.name
          : 'unknown';
  span.setAttribute(GenAI.errorType, type);
  const id = requestId ?? (error instanceof APIError ? error.requestID : undefined);
  if (id) span.setAttribute(SalesAgentAttributes.requestId, id);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
