import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { encodeEvent, messageEvents, type StreamEvent } from './message-events';
import type { Responder, ScriptedMessage, ScriptedResponse } from './scripted-responses';
import {
  type ApiErrorType,
  CountTokensRequestSchema,
  errorBody,
  type MessagesRequest,
  MessagesRequestSchema,
  type WireMessage,
} from './wire';

export interface RecordedRequest {
  readonly method: string;
  /** Path with query string, e.g. `/v1/messages`, `/v1/messages?beta=true`. */
  readonly path: string;
  /** Lower-cased header names, as Node receives them. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The key the client authenticated with: `x-api-key`, or the `Authorization: Bearer` token (SDK 1.x sends the
   * API key that way).
   */
  readonly apiKey: string | undefined;
  /** The parsed JSON body (`undefined` when empty or not JSON). */
  readonly body: unknown;
  /** The `request-id` this server answered with. */
  readonly requestId: string;
  readonly receivedAt: number;
  /** The HTTP status answered (`undefined` while pending, or when the socket was cut before any response). */
  status?: number;
}

export interface AnthropicTestServerOptions {
  /** When set, any other key (`x-api-key` or `Authorization: Bearer`) is rejected with 401 authentication_error (a missing key always is). */
  readonly apiKey?: string;
}

const DEFAULT_TEXT_CHUNK = 8;
const DEFAULT_JSON_CHUNK = 12;

/** Roughly what a tokenizer gives for English and JSON; tests only need a stable, plausible number. */
const approxTokens = (value: unknown): number =>
  Math.max(1, Math.ceil((typeof value === 'string' ? value : JSON.stringify(value ?? '')).length / 4));

const issuesText = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');

/**
 * An HTTP server on 127.0.0.1 that speaks the Anthropic Messages API as `@anthropic-ai/sdk` expects it
 * (`POST /v1/messages` as JSON or SSE, `POST /v1/messages/count_tokens`), answering with scripted responses:
 * first those queued with `enqueue()`, in order, then the `script()` responder's. Every request is recorded.
 *
 * Point the SDK at it with `new Anthropic({ apiKey: 'test', baseURL: await server.start() })`, or a separate
 * process with `ANTHROPIC_BASE_URL=<url>` and `ANTHROPIC_API_KEY=<anything>`.
 */
export class AnthropicTestServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: ScriptedResponse[] = [];
  private responder: Responder | undefined;
  private answered = 0;
  private messageCounter = 0;
  private server: Server | undefined;
  private baseUrl: string | undefined;
  private lifetime = new AbortController();

  constructor(private readonly options: AnthropicTestServerOptions = {}) {}

  /** Listens on 127.0.0.1 on a free port; returns the base URL (no trailing slash, no `/v1`). */
  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    this.lifetime = new AbortController();
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A handler bug must fail the test loudly, not hang the client.
        if (!res.headersSent) this.sendError(res, 500, 'api_error', `test server failure: ${String(error)}`);
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('AnthropicTestServer is not started');
    return this.baseUrl;
  }

  /** Ends slow streams in flight, drops keep-alive connections and closes the port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.baseUrl = undefined;
    this.lifetime.abort();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Queues responses served in order to the next `/v1/messages` requests (before the responder is asked). */
  enqueue(...responses: ScriptedResponse[]): this {
    this.queue.push(...responses);
    return this;
  }

  /** Answers requests from their content once the queue is empty (e.g. for an orchestrator running elsewhere). */
  script(responder: Responder): this {
    this.responder = responder;
    return this;
  }

  /** Forgets the queue, the responder and the recorded requests, between tests sharing one server. */
  reset(): void {
    this.queue.length = 0;
    this.responder = undefined;
    this.requests.length = 0;
    this.answered = 0;
  }

  /** Queued responses not consumed yet: assert it is 0 to prove a test used every scripted answer. */
  get pendingResponses(): number {
    return this.queue.length;
  }

  /** The valid `POST /v1/messages` bodies received, in order (retries included). */
  messageRequests(): MessagesRequest[] {
    return this.requests.flatMap((r) => {
      if (r.method !== 'POST' || r.path.split('?')[0] !== '/v1/messages') return [];
      const parsed = MessagesRequestSchema.safeParse(r.body);
      return parsed.success ? [parsed.data] : [];
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let body: unknown;
    let jsonError = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        jsonError = true;
      }
    }
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers,
      apiKey: apiKeyOf(headers),
      body,
      requestId: `req_test_${randomBytes(12).toString('hex')}`,
      receivedAt: Date.now(),
    };
    this.requests.push(record);
    res.setHeader('request-id', record.requestId);
    res.on('finish', () => (record.status = res.statusCode));

    const route = record.path.split('?')[0];
    const isMessages = route === '/v1/messages';
    const isCountTokens = route === '/v1/messages/count_tokens';
    if (record.method !== 'POST' || (!isMessages && !isCountTokens)) {
      return this.sendError(res, 404, 'not_found_error', `Not found: ${record.method} ${route}`);
    }
    const apiKey = record.apiKey;
    if (!apiKey) return this.sendError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (this.options.apiKey !== undefined && apiKey !== this.options.apiKey) {
      return this.sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    }
    if (!headers['anthropic-version']) {
      return this.sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    }
    if (jsonError || typeof body !== 'object' || body === null) {
      return this.sendError(res, 400, 'invalid_request_error', 'The request body is not valid JSON.');
    }

    if (isCountTokens) {
      const parsed = CountTokensRequestSchema.safeParse(body);
      if (!parsed.success) return this.sendError(res, 400, 'invalid_request_error', issuesText(parsed.error));
      const { messages, system, tools } = parsed.data;
      return this.sendJson(res, 200, { input_tokens: approxTokens({ messages, system, tools }) });
    }

    const parsed = MessagesRequestSchema.safeParse(body);
    if (!parsed.success) return this.sendError(res, 400, 'invalid_request_error', issuesText(parsed.error));
    const request = parsed.data;
    const index = this.answered++;
    const scriptedResponse = this.queue.shift() ?? (await this.responder?.(request, index));
    if (!scriptedResponse) {
      // Not retryable, so a missing script fails the test at once instead of after the SDK's backoff.
      res.setHeader('x-should-retry', 'false');
      return this.sendError(
        res,
        500,
        'api_error',
        `AnthropicTestServer: no scripted response for request #${index}`,
      );
    }
    await this.serve(res, request, scriptedResponse);
  }

  private async serve(
    res: ServerResponse,
    request: MessagesRequest,
    response: ScriptedResponse,
  ): Promise<void> {
    switch (response.kind) {
      case 'error': {
        for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
        const type = response.errorType ?? 'api_error';
        return this.sendError(res, response.status, type, response.message ?? `scripted ${type}`);
      }
      case 'message':
        return this.sendMessage(res, request, response, {});
      case 'cut':
        return this.sendMessage(res, request, response.message, { cutAfter: response.afterEvents });
      case 'stream-error':
        return this.sendMessage(res, request, response.message, {
          errorAfter: response.afterEvents,
          errorType: response.errorType,
          errorMessage: response.errorMessage,
        });
      case 'slow':
        return this.sendMessage(res, request, response.message, {
          delayMs: response.delayMs,
          firstDelayMs: response.firstEventDelayMs ?? 0,
        });
    }
  }

  private async sendMessage(
    res: ServerResponse,
    request: MessagesRequest,
    scriptedMessage: ScriptedMessage,
    behaviour: {
      cutAfter?: number;
      errorAfter?: number;
      errorType?: ApiErrorType;
      errorMessage?: string | undefined;
      delayMs?: number;
      firstDelayMs?: number;
    },
  ): Promise<void> {
    const message = this.toWireMessage(request, scriptedMessage);
    for (const [name, value] of Object.entries(scriptedMessage.headers ?? {})) res.setHeader(name, value);
    const signal = this.lifetime.signal;

    if (!request.stream) {
      if (behaviour.cutAfter !== undefined) {
        res.socket?.destroy();
        return;
      }
      const delay = (behaviour.firstDelayMs ?? 0) + (behaviour.delayMs ?? 0);
      if (delay > 0 && !(await pause(delay, signal))) return;
      return this.sendJson(res, 200, message);
    }

    const events: StreamEvent[] = messageEvents(message, {
      text: scriptedMessage.textChunkSize ?? DEFAULT_TEXT_CHUNK,
      json: scriptedMessage.jsonChunkSize ?? DEFAULT_JSON_CHUNK,
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    for (const [i, event] of events.entries()) {
      if (behaviour.cutAfter !== undefined && i >= behaviour.cutAfter) {
        res.socket?.destroy();
        return;
      }
      if (behaviour.errorAfter !== undefined && i >= behaviour.errorAfter) {
        const type = behaviour.errorType ?? 'overloaded_error';
        await write(
          res,
          encodeEvent({ event: 'error', data: errorBody(type, behaviour.errorMessage ?? 'Overloaded') }),
        );
        res.end();
        return;
      }
      const delay = i === 0 ? behaviour.firstDelayMs : behaviour.delayMs;
      if (delay && !(await pause(delay, signal))) return;
      if (res.destroyed) return; // the client went away (abort, timeout)
      await write(res, encodeEvent(event));
    }
    res.end();
  }

  private toWireMessage(request: MessagesRequest, scriptedMessage: ScriptedMessage): WireMessage {
    const { content } = scriptedMessage;
    const usage = scriptedMessage.usage ?? {};
    return {
      id: `msg_test_${String(++this.messageCounter).padStart(6, '0')}`,
      type: 'message',
      role: 'assistant',
      model: scriptedMessage.model ?? request.model,
      content,
      stop_reason:
        scriptedMessage.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      usage: {
        input_tokens:
          usage.input_tokens ??
          approxTokens({ system: request.system, tools: request.tools, messages: request.messages }),
        output_tokens: usage.output_tokens ?? approxTokens(content),
        cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
        cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
        service_tier: 'standard',
      },
    };
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }

  private sendError(res: ServerResponse, status: number, type: ApiErrorType, message: string): void {
    this.sendJson(res, status, errorBody(type, message));
  }
}

const apiKeyOf = (headers: Readonly<Record<string, string>>): string | undefined => {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
  return headers['x-api-key'] || bearer || undefined;
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Resolves once the chunk is handed to the socket, so a following cut cannot drop it. */
const write = (res: ServerResponse, chunk: string): Promise<void> =>
  new Promise((resolve) => {
    if (res.destroyed) return resolve();
    res.write(chunk, () => resolve());
  });

/** False when the server stopped during the pause. */
const pause = async (ms: number, signal: AbortSignal): Promise<boolean> => {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
};
