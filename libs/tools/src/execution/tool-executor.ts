import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { ToolError } from '@lib/contracts';
import type { z } from 'zod';
import { capResult } from '../registry/result-cap';
import { ToolExecutionError, type Tool } from '../registry/tool';
import type { ToolRegistry } from '../registry/tool-registry';
import type { FinishedToolExecution, ToolExecutionRecord, ToolExecutionStore } from './tool-execution.store';

export interface ToolExecutorOptions {
  /** A call still running after this long fails with `timeout` (retryable). */
  readonly timeoutMs: number;
  /** Results larger than this (bytes of JSON) are cut down and flagged `truncated: true`. */
  readonly maxResultBytes: number;
  /** Extra attempts for transient failures (timeouts, unexpected errors, tools' retryable errors). */
  readonly transientRetries?: number;
  /** Delay before the first retry; doubles at each retry. */
  readonly retryDelayMs?: number;
}

/** A tool call to run. The tenant comes from the event envelope, never from the arguments. */
export interface ToolCallRequest {
  readonly toolCallId: string;
  readonly tenantId: string;
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
  /** Passed on to the tool (write tools attach their proposals to the conversation). */
  readonly conversationId?: string;
  readonly turnId?: string;
}

export type ToolOutcome = FinishedToolExecution & {
  /** True when the outcome was stored by an earlier delivery of the same call and not run again. */
  readonly replayed: boolean;
};

class ToolTimeoutError extends Error {}

const tracer = trace.getTracer('sales-agent.tool-runner');

const formatIssues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');

/**
 * Runs tool calls: validates the arguments against the tool's schema, runs it for the envelope's tenant
 * with a timeout, validates and caps the result, and records the execution under the toolCallId. A call
 * whose id was already executed is not run again: its stored outcome is returned (`replayed`).
 */
export class ToolExecutor {
  private readonly logger = new Logger(ToolExecutor.name);

  constructor(
    private readonly registry: ToolRegistry,
    private readonly store: ToolExecutionStore,
    private readonly options: ToolExecutorOptions,
  ) {}

  /**
   * Runs (or replays) the call. `announce` runs in the same transaction as the audit row: publish the
   * outcome there, and the event and the row commit together (outbox).
   */
  async execute(
    request: ToolCallRequest,
    announce: (outcome: ToolOutcome) => Promise<void> = async () => undefined,
  ): Promise<ToolOutcome> {
    return this.store.transaction(async () => {
      const outcome = await this.executeOnce(request);
      await announce(outcome);
      return outcome;
    });
  }

  /** One span per execution (OpenTelemetry GenAI `execute_tool`), with the outcome; never the arguments. */
  private executeOnce(request: ToolCallRequest): Promise<ToolOutcome> {
    return tracer.startActiveSpan(`execute_tool ${request.tool}`, async (span) => {
      span.setAttributes({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': request.tool,
        'gen_ai.tool.call.id': request.toolCallId,
        'tenant.id': request.tenantId,
      });
      try {
        const outcome = await this.claimAndRun(request);
        span.setAttributes({ 'tool.status': outcome.status, 'tool.replayed': outcome.replayed });
        if (outcome.status === 'failed') {
          span.setAttribute('error.type', outcome.error.code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.code });
        }
        return outcome;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async claimAndRun(request: ToolCallRequest): Promise<ToolOutcome> {
    const existing = await this.store.claim({
      id: request.toolCallId,
      tenantId: request.tenantId,
      conversationId: request.conversationId,
      tool: request.tool,
      arguments: request.arguments,
      startedAt: new Date(),
    });
    if (existing) return this.replay(existing, request);
    const outcome = await this.run(request);
    await this.store.finish(request.toolCallId, outcome);
    this.logger.log(
      `tool ${request.tool} ${outcome.status}${outcome.status === 'failed' ? ` (${outcome.error.code})` : ''} ` +
        `in ${outcome.durationMs} ms, call ${request.toolCallId}`,
    );
    return { ...outcome, replayed: false };
  }

  private replay(existing: ToolExecutionRecord, request: ToolCallRequest): ToolOutcome {
    const finishedAt = existing.finishedAt ?? new Date();
    const durationMs = existing.durationMs ?? 0;
    // A toolCallId is derived from a turn: the same id from another tenant or for another tool is a
    // collision (or a forgery) and must never receive the stored result.
    if (existing.tenantId !== request.tenantId || existing.tool !== request.tool) {
      this.logger.warn(
        `tool call ${request.toolCallId} conflicts with a stored call of another tenant or tool`,
      );
      return {
        status: 'failed',
        error: {
          code: 'conflict',
          message: 'this toolCallId is already used by another call',
          retryable: false,
        },
        durationMs: 0,
        finishedAt: new Date(),
        replayed: false,
      };
    }
    switch (existing.status) {
      case 'completed':
        return { status: 'completed', result: existing.result, durationMs, finishedAt, replayed: true };
      case 'failed':
        return {
          status: 'failed',
          error: existing.error ?? { code: 'tool_error', message: 'failed', retryable: true },
          durationMs,
          finishedAt,
          replayed: true,
        };
      case 'running':
        // Only a non-transactional store can show a half-done call: let the transport retry later.
        throw new Error(`tool call ${request.toolCallId} is still running`);
    }
  }

  private async run(request: ToolCallRequest): Promise<FinishedToolExecution> {
    const started = performance.now();
    const fail = (error: ToolError): FinishedToolExecution => ({
      status: 'failed',
      error,
      durationMs: Math.round(performance.now() - started),
      finishedAt: new Date(),
    });

    const tool = this.registry.get(request.tool);
    if (!tool) {
      return fail({
        code: 'unknown_tool',
        message: `unknown tool "${request.tool}"; available: ${this.registry.names.join(', ')}`,
        retryable: false,
      });
    }
    const args = tool.arguments.safeParse(request.arguments);
    if (!args.success) {
      return fail({
        code: 'invalid_arguments',
        message: `invalid arguments: ${formatIssues(args.error)}`,
        retryable: false,
      });
    }

    // Transient failures (timeouts, unexpected errors, errors the tool marks retryable) are retried with
    // backoff inside the call; validation and other permanent errors are not.
    const attempts = 1 + (this.options.transientRetries ?? 2);
    let raw: unknown;
    for (let attempt = 1; ; attempt += 1) {
      const failure = await this.attempt(tool, args.data, request).then(
        (value) => {
          raw = value;
          return undefined;
        },
        (error: unknown) => this.toToolError(tool, request, error),
      );
      if (!failure) break;
      if (!failure.retryable || attempt >= attempts) return fail(failure);
      const delay = (this.options.retryDelayMs ?? 100) * 2 ** (attempt - 1);
      this.logger.warn(
        `tool ${tool.name} attempt ${attempt} failed (${failure.code}), retrying in ${delay} ms`,
      );
      await sleep(delay);
    }

    const result = tool.result.safeParse(raw);
    if (!result.success) {
      this.logger.error(`tool ${tool.name} returned an invalid result: ${formatIssues(result.error)}`);
      return fail({
        code: 'invalid_result',
        message: `${tool.name} returned an invalid result`,
        retryable: false,
      });
    }
    // Room for the `truncated` flag itself.
    const capped = capResult(result.data, this.options.maxResultBytes - 32);
    const value =
      capped.truncated &&
      capped.value !== null &&
      typeof capped.value === 'object' &&
      !Array.isArray(capped.value)
        ? { ...capped.value, truncated: true }
        : capped.value;
    return {
      status: 'completed',
      result: value,
      durationMs: Math.round(performance.now() - started),
      finishedAt: new Date(),
    };
  }

  private attempt(tool: Tool, args: unknown, request: ToolCallRequest): Promise<unknown> {
    return this.store.isolate(this.options.timeoutMs, () => this.withTimeout(tool, args, request));
  }

  private toToolError(tool: Tool, request: ToolCallRequest, error: unknown): ToolError {
    if (error instanceof ToolTimeoutError) {
      return {
        code: 'timeout',
        message: `${tool.name} did not finish within ${this.options.timeoutMs} ms`,
        retryable: true,
      };
    }
    if (error instanceof ToolExecutionError) {
      return { code: error.code, message: error.message, retryable: error.retryable };
    }
    // Internal details (SQL, stack) stay in the logs: the message goes to the model.
    this.logger.error(`tool ${tool.name} failed, call ${request.toolCallId}: ${String(error)}`);
    return { code: 'tool_error', message: `${tool.name} failed unexpectedly`, retryable: true };
  }

  private async withTimeout(tool: Tool, args: unknown, request: ToolCallRequest): Promise<unknown> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new ToolTimeoutError());
      }, this.options.timeoutMs);
    });
    try {
      return await Promise.race([
        tool.execute(args, {
          tenantId: request.tenantId,
          toolCallId: request.toolCallId,
          conversationId: request.conversationId,
          turnId: request.turnId,
          signal: controller.signal,
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
