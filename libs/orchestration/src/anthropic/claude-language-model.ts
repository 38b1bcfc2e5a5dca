import Anthropic from '@anthropic-ai/sdk';
import { Logger } from '@nestjs/common';
import { SpanKind, trace, type Tracer } from '@opentelemetry/api';
import type { ModelInfo } from '@lib/contracts';
import {
  ModelError,
  type ModelStep,
  type ModelStepRequest,
  type ModelToolCall,
  type SteppingLanguageModel,
  type TokenUsage,
} from '../model/model-step';
import { promptByVersion, SUBMIT_TURN_OUTCOME, type PromptTemplate } from '../prompts';
import type { AnthropicConfig } from './anthropic.config';
import { recordFailure, recordResponse, requestAttributes, GenAI } from './genai-span';
import { isStreamCut, toModelError } from './model-errors';
import { costOf, type TokenCounts } from './pricing';
import { ReplyDeltaStream } from './reply-delta-stream';
import {
  buildRepairParams,
  buildStepParams,
  knownSources,
  type RepairReason,
  type StepParams,
} from './request-builder';
import { StreamingJsonField } from './streaming-json-field';
import { validateTurnOutcome, type KnownSource } from './turn-outcome.schema';

export const ANTHROPIC_PROVIDER = 'anthropic';

export interface ClaudeLanguageModelOptions {
  /** A tracer other than the global one's `@lib/orchestration/anthropic`. */
  readonly tracer?: Tracer;
}

interface CallContext {
  readonly conversationId: string;
  readonly turnId: string;
  readonly deltas: ReplyDeltaStream;
  readonly usage: UsageTotals;
  readonly signal?: AbortSignal;
}

type Verdict =
  | { readonly kind: 'tool_calls'; readonly calls: ModelToolCall[] }
  | { readonly kind: 'final'; readonly step: Extract<ModelStep, { kind: 'final' }>['outcome'] }
  | { readonly kind: 'repair'; readonly reason: RepairReason; readonly problems: readonly string[] };

/**
 * Claude as a `SteppingLanguageModel`, on the official SDK. Each step is one streamed Messages API call with
 * the data tools plus `submit_turn_outcome` (the structured final outcome); an unusable answer gets one repair
 * call. Retries of 429/529/5xx and connection errors are the SDK's (`maxRetries`: exponential backoff with
 * jitter, honouring `retry-after`), done before the stream starts; a stream cut in the middle is retried once
 * here. Every call is a GenAI span; prompt and completion text only with LLM_CAPTURE_CONTENT.
 */
export class ClaudeLanguageModel implements SteppingLanguageModel {
  readonly info: ModelInfo;
  private readonly logger = new Logger(ClaudeLanguageModel.name);
  private readonly client: Anthropic;
  private readonly prompt: PromptTemplate;
  private readonly tracer: Tracer;

  constructor(
    private readonly config: AnthropicConfig,
    options: ClaudeLanguageModelOptions = {},
  ) {
    this.prompt = promptByVersion(config.promptVersion);
    this.info = Object.freeze({
      provider: ANTHROPIC_PROVIDER,
      name: config.model,
      promptVersion: this.prompt.version,
    });
    this.tracer = options.tracer ?? trace.getTracer('@lib/orchestration/anthropic');
    this.client = new Anthropic({
      apiKey: config.apiKey,
      baseURL: config.baseUrl ?? null,
      maxRetries: config.maxRetries,
      timeout: config.timeoutMs,
      // Our own GenAI span per call carries the prompt version and the content policy; the SDK's would
      // duplicate it (and count the tokens twice in GenAI dashboards).
      openTelemetry: false,
      logger: {
        error: (message: string) => this.logger.error(message),
        warn: (message: string) => this.logger.warn(message),
        info: (message: string) => this.logger.debug(message),
        debug: (message: string) => this.logger.verbose(message),
      },
      logLevel: 'warn',
    });
  }

  async step(request: ModelStepRequest): Promise<ModelStep> {
    const params = buildStepParams(request, {
      prompt: this.prompt,
      model: this.config.model,
      maxTokens: this.config.maxTokens,
      temperature: this.config.temperature,
      maxDataChars: this.config.maxToolResultChars,
    });
    const sources = knownSources(request);
    const replyRequired = request.context.role === 'prospect';
    const call: CallContext = {
      conversationId: request.context.conversationId,
      turnId: request.context.turnId,
      deltas: new ReplyDeltaStream(request.onReplyDelta),
      usage: new UsageTotals(),
      signal: request.signal,
    };

    const first = await this.call(params, 'step', call);
    const verdict = this.judge(first, {
      sources,
      replyRequired,
      allowTools: !request.finalOnly,
      repair: false,
    });
    if (verdict.kind === 'tool_calls') {
      return {
        kind: 'tool_calls',
        calls: verdict.calls,
        assistantContent: first.content,
        usage: this.usage(call),
      };
    }
    if (verdict.kind === 'final') return { kind: 'final', outcome: verdict.step, usage: this.usage(call) };

    this.logger.warn(
      `Turn ${call.turnId}: unusable model output, one repair: ${verdict.problems.join('; ')}`,
    );
    const repair = await this.call(
      buildRepairParams(params, first, verdict.reason, this.prompt),
      'repair',
      call,
    );
    const second = this.judge(repair, { sources, replyRequired, allowTools: false, repair: true });
    if (second.kind === 'final') return { kind: 'final', outcome: second.step, usage: this.usage(call) };
    const problems =
      second.kind === 'repair' ? second.problems : ['data tools called instead of the outcome'];
    throw new ModelError(
      'invalid_model_output',
      `the model's output was still invalid after one repair: ${problems.slice(0, 10).join('; ')}`,
    );
  }

  private usage(call: CallContext): TokenUsage {
    return call.usage.total(this.config.model, this.config.priceOverride);
  }

  /** What a response means for the loop: tools to run, a valid final outcome, or a repair to ask for. */
  private judge(
    message: Anthropic.Message,
    options: {
      readonly sources: ReadonlyMap<string, KnownSource>;
      readonly replyRequired: boolean;
      readonly allowTools: boolean;
      readonly repair: boolean;
    },
  ): Verdict {
    const uses = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    const dataCalls = uses.filter((u) => u.name !== SUBMIT_TURN_OUTCOME);
    if (dataCalls.length > 0 && options.allowTools && message.stop_reason !== 'max_tokens') {
      return {
        kind: 'tool_calls',
        calls: dataCalls.map((u) => ({ providerCallId: u.id, name: u.name, input: asRecord(u.input) })),
      };
    }
    if (message.stop_reason === 'max_tokens') {
      return missing('max_tokens', 'the answer was cut by max_tokens');
    }
    const submit = uses.find((u) => u.name === SUBMIT_TURN_OUTCOME);
    if (!submit) {
      if (message.stop_reason === 'refusal') return missing('refusal', 'the model refused');
      const hasText = message.content.some((b) => b.type === 'text' && b.text.trim() !== '');
      return hasText
        ? missing('text_only', 'the model answered in plain text')
        : missing('other', `no outcome (stop_reason ${message.stop_reason ?? 'none'})`);
    }
    const validation = validateTurnOutcome(submit.input, {
      replyRequired: options.replyRequired,
      knownSources: options.sources,
      unknownCitations: options.repair ? 'drop' : 'error',
    });
    if (!validation.ok) {
      return {
        kind: 'repair',
        reason: { kind: 'invalid', toolUseId: submit.id, errors: validation.errors },
        problems: validation.errors,
      };
    }
    if (validation.droppedCitations.length > 0) {
      this.logger.warn(`Dropped citations to unknown sources: ${validation.droppedCitations.join(', ')}`);
    }
    return { kind: 'final', step: validation.outcome };
  }

  /** One model call; a stream cut in the middle is retried once. Errors come out as `ModelError`. */
  private async call(
    params: StepParams,
    purpose: 'step' | 'repair',
    call: CallContext,
  ): Promise<Anthropic.Message> {
    try {
      return await this.attempt(params, purpose, call);
    } catch (error) {
      if (!isStreamCut(error) || call.signal?.aborted) throw toModelError(error);
      this.logger.warn(`Turn ${call.turnId}: model stream cut (${errorMessage(error)}), retrying once`);
    }
    try {
      return await this.attempt(params, `${purpose}_retry`, call);
    } catch (error) {
      throw toModelError(error);
    }
  }

  private async attempt(params: StepParams, purpose: string, call: CallContext): Promise<Anthropic.Message> {
    const capture = this.config.captureContent;
    const span = this.tracer.startSpan(`chat ${params.model}`, {
      kind: SpanKind.CLIENT,
      attributes: requestAttributes(
        params,
        {
          purpose,
          promptVersion: this.prompt.version,
          conversationId: call.conversationId,
          turnId: call.turnId,
        },
        capture,
      ),
    });
    const startedAt = performance.now();
    const stream = this.client.messages.stream(params, { signal: call.signal });
    const reply = new SubmitReplyWatcher(call.deltas);
    let idleTimer: NodeJS.Timeout | undefined;
    let idleTimedOut = false;
    let firstTokenAt: number | undefined;
    // The SDK's timeout ends when the headers arrive; after that, a stream that goes silent is cut here.
    const armIdleTimer = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idleTimedOut = true;
        stream.abort();
      }, this.config.timeoutMs);
    };
    stream.on('connect', armIdleTimer);
    stream.on('streamEvent', (event) => {
      armIdleTimer();
      if (firstTokenAt === undefined && event.type === 'content_block_delta') {
        firstTokenAt = performance.now();
        span.setAttribute(GenAI.responseTimeToFirstChunk, (firstTokenAt - startedAt) / 1000);
        span.addEvent('gen_ai.first_token');
      }
      reply.onEvent(event);
    });
    try {
      const message = await stream.finalMessage();
      const cost = call.usage.add(message.usage, this.config.model, this.config.priceOverride);
      recordResponse(span, message, { requestId: stream.request_id, costUsd: cost, captureContent: capture });
      this.logger.debug(
        `model call ${purpose}: ${message.stop_reason ?? '?'}, in ${message.usage.input_tokens} ` +
          `(+${message.usage.cache_read_input_tokens ?? 0} cached), out ${message.usage.output_tokens}, ` +
          `${Math.round(performance.now() - startedAt)} ms, request ${stream.request_id ?? '?'}`,
      );
      return message;
    } catch (error) {
      // Tokens of a failed attempt were still billed for what was generated.
      const partial = stream.currentMessage?.usage;
      if (partial) call.usage.add(partial, this.config.model, this.config.priceOverride);
      const failure =
        idleTimedOut && !call.signal?.aborted
          ? new ModelError('model_timeout', `the model stream was silent for ${this.config.timeoutMs} ms`, {
              requestId: stream.request_id ?? undefined,
            })
          : error;
      recordFailure(span, failure, stream.request_id);
      throw failure;
    } finally {
      clearTimeout(idleTimer);
      span.end();
    }
  }
}

function missing(reason: 'max_tokens' | 'refusal' | 'text_only' | 'other', problem: string): Verdict {
  return { kind: 'repair', reason: { kind: 'missing', reason }, problems: [problem] };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Watches a stream for the `submit_turn_outcome` call and feeds its growing `reply.text` to the delta stream.
 * A final-outcome call made after a data-tool call in the same response is premature (it will be ignored), so
 * it is not streamed.
 */
class SubmitReplyWatcher {
  private submitIndex: number | undefined;
  private sawDataTool = false;
  private field: StreamingJsonField | undefined;
  private done = false;

  constructor(private readonly deltas: ReplyDeltaStream) {}

  onEvent(event: Anthropic.MessageStreamEvent): void {
    if (!this.deltas.enabled || this.done) return;
    if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
      if (event.content_block.name !== SUBMIT_TURN_OUTCOME) {
        this.sawDataTool = true;
      } else if (!this.sawDataTool && this.submitIndex === undefined) {
        this.submitIndex = event.index;
        this.field = new StreamingJsonField(['reply', 'text']);
      }
      return;
    }
    if (
      event.type === 'content_block_delta' &&
      event.delta.type === 'input_json_delta' &&
      event.index === this.submitIndex &&
      this.field
    ) {
      const text = this.field.push(event.delta.partial_json);
      if (!text) return;
      this.deltas.update(text.value);
      if (text.complete) this.done = true;
    }
  }
}

/** Token usage of every call of a step (attempts, retries and the repair), cache reads and writes apart. */
class UsageTotals {
  private counts: Required<TokenCounts> = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };

  /** Adds one call's usage; returns that call's cost. */
  add(
    usage: Pick<
      Anthropic.Usage,
      'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'
    >,
    model: string,
    override: AnthropicConfig['priceOverride'],
  ): number | undefined {
    const call: Required<TokenCounts> = {
      inputTokens: usage.input_tokens ?? 0,
      outputTokens: usage.output_tokens ?? 0,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    };
    this.counts = {
      inputTokens: this.counts.inputTokens + call.inputTokens,
      outputTokens: this.counts.outputTokens + call.outputTokens,
      cacheReadTokens: this.counts.cacheReadTokens + call.cacheReadTokens,
      cacheWriteTokens: this.counts.cacheWriteTokens + call.cacheWriteTokens,
    };
    return costOf(model, call, override);
  }

  total(model: string, override: AnthropicConfig['priceOverride']): TokenUsage {
    return { ...this.counts, costUsd: costOf(model, this.counts, override) };
  }
}
