import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { z } from 'zod';
import type { EmbeddingProvider } from '../ports';

export type HttpEmbeddingApi = 'openai' | 'voyage';

export interface HttpEmbeddingOptions {
  /** Request format: OpenAI's (`{model, input}`; also Azure, Ollama, vLLM, LM Studio...) or Voyage AI's. */
  readonly api: HttpEmbeddingApi;
  /** The embeddings endpoint, or a base URL (`/v1/embeddings` or `/embeddings` is appended when missing). */
  readonly url?: string;
  /** Sent as `Authorization: Bearer`; optional for local OpenAI-compatible servers. Never logged. */
  readonly apiKey?: string;
  readonly model: string;
  /** The vector size. When omitted, the known size of the model; unknown models must say it. */
  readonly dimensions?: number;
  /** Inputs per request. */
  readonly batchSize?: number;
  /** Per attempt. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts and network errors. */
  readonly maxRetries?: number;
  readonly initialRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
}

export const DEFAULT_EMBEDDING_URLS: Record<HttpEmbeddingApi, string> = {
  openai: 'https://api.openai.com/v1/embeddings',
  voyage: 'https://api.voyageai.com/v1/embeddings',
};

/** Output sizes of well-known models, so EMBEDDINGS_DIMENSIONS is only needed for the others. */
export const KNOWN_MODEL_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  'voyage-3.5': 1024,
  'voyage-3.5-lite': 1024,
  'voyage-3-large': 1024,
  'voyage-3': 1024,
  'voyage-3-lite': 512,
  'voyage-code-3': 1024,
  'voyage-finance-2': 1024,
  'voyage-law-2': 1024,
};

/** A failed embedding call; `retryable` tells transient failures (429, 5xx, timeouts) from permanent ones. */
export class EmbeddingProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EmbeddingProviderError';
  }
}

const EmbeddingResponseSchema = z.object({
  data: z.array(
    z.object({ index: z.number().int().nonnegative().optional(), embedding: z.array(z.number()) }),
  ),
});

const ErrorBodySchema = z.union([
  z.object({ error: z.object({ message: z.string() }) }), // OpenAI
  z.object({ detail: z.string() }), // Voyage
  z.object({ error: z.string() }),
]);

/**
 * Embeddings from an HTTP API: any OpenAI-compatible `/v1/embeddings` endpoint, or Voyage AI (which also
 * takes `input_type: 'document' | 'query'`, improving retrieval). Batches inputs, times out each attempt,
 * retries transient failures with exponential backoff (cockatiel), and checks every vector's size.
 */
export class HttpEmbeddingProvider implements EmbeddingProvider {
  readonly name: string;
  readonly dimensions: number;
  private readonly url: string;
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;

  constructor(private readonly options: HttpEmbeddingOptions) {
    if (!options.model) throw new Error('HttpEmbeddingProvider: a model is required (EMBEDDINGS_MODEL)');
    const dimensions = options.dimensions ?? KNOWN_MODEL_DIMENSIONS[options.model];
    if (dimensions === undefined) {
      throw new Error(
        `HttpEmbeddingProvider: the vector size of model "${options.model}" is unknown: set EMBEDDINGS_DIMENSIONS`,
      );
    }
    this.dimensions = dimensions;
    this.name = `${options.api}:${options.model}`;
    this.url = embeddingsEndpoint(options.url ?? DEFAULT_EMBEDDING_URLS[options.api]);
    this.batchSize = options.batchSize ?? 64;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retryPolicy = retry(
      handleWhen((error) => error instanceof EmbeddingProviderError && error.retryable),
      {
        maxAttempts: options.maxRetries ?? 4,
        backoff: new ExponentialBackoff({
          initialDelay: options.initialRetryDelayMs ?? 500,
          maxDelay: options.maxRetryDelayMs ?? 10_000,
        }),
      },
    );
  }

  async embed(texts: readonly string[], purpose: 'document' | 'query'): Promise<number[][]> {
    const out: number[][] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      out.push(...(await this.retryPolicy.execute(() => this.request(batch, purpose))));
    }
    return out;
  }

  private body(input: readonly string[], purpose: 'document' | 'query'): Record<string, unknown> {
    const { api, model, dimensions } = this.options;
    switch (api) {
      case 'openai':
        // `dimensions` only when configured: older models reject it.
        return { model, input, ...(dimensions !== undefined ? { dimensions } : {}) };
      case 'voyage':
        return {
          model,
          input,
          input_type: purpose,
          ...(dimensions !== undefined ? { output_dimension: dimensions } : {}),
        };
    }
  }

  private async request(input: readonly string[], purpose: 'document' | 'query'): Promise<number[][]> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(this.body(input, purpose)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new EmbeddingProviderError(
        timedOut
          ? `${this.name}: no answer from ${this.url} within ${this.timeoutMs} ms`
          : `${this.name}: cannot reach ${this.url}: ${error instanceof Error ? error.message : String(error)}`,
        true,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      const retryable = response.status === 429 || response.status >= 500;
      throw new EmbeddingProviderError(
        `${this.name}: ${this.url} answered ${response.status}: ${errorDetail(text)}`,
        retryable,
        response.status,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new EmbeddingProviderError(`${this.name}: ${this.url} answered with invalid JSON`, false);
    }
    const parsed = EmbeddingResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new EmbeddingProviderError(
        `${this.name}: unexpected response shape (no data[].embedding)`,
        false,
      );
    }
    const data = [...parsed.data.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    if (data.length !== input.length) {
      throw new EmbeddingProviderError(
        `${this.name}: asked for ${input.length} embeddings, got ${data.length}`,
        false,
      );
    }
    for (const item of data) {
      if (item.embedding.length !== this.dimensions) {
        throw new EmbeddingProviderError(
          `${this.name}: expected vectors of ${this.dimensions} dimensions, got ${item.embedding.length} ` +
            '(check EMBEDDINGS_DIMENSIONS)',
          false,
        );
      }
    }
    return data.map((item) => item.embedding);
  }
}

/** `https://host` → `https://host/v1/embeddings`; `https://host/v1` → `https://host/v1/embeddings`. */
export function embeddingsEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  if (trimmed.endsWith('/embeddings')) return trimmed;
  if (/\/v\d+$/.test(trimmed)) return `${trimmed}/embeddings`;
  return `${trimmed}/v1/embeddings`;
}

/** The provider's error message, trimmed: bodies can echo inputs, which are not logged in full. */
function errorDetail(body: string): string {
  let message = body;
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(body));
    if (parsed.success) {
      const value = parsed.data;
      message =
        'detail' in value
          ? value.detail
          : typeof value.error === 'string'
            ? value.error
            : value.error.message;
    }
  } catch {
    // not JSON: keep the raw text
  }
  message = message.trim() || '(empty body)';
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}
