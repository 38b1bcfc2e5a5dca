import { context, propagation } from '@opentelemetry/api';
import { internalAuthHeaders } from '@lib/access';
import type { z } from 'zod';
import {
  PromptVersionComparison,
  type PromptVersionsAllTenantsQuery,
  type PromptVersionsQuery,
} from './prompt-versions.schema';
import {
  ConversationSearchResult,
  IntentFrequencies,
  ObjectionFrequencies,
  RepProgress,
  SentimentTrend,
  StageFunnel,
  type AnalyticsRangeQuery,
  type ConversationSearchQuery,
  type RepProgressQuery,
  type SentimentTrendQuery,
} from './analytics.schema';

export interface AnalyticsClientOptions {
  /** Per-request timeout. Default 10 s (analytics over long ranges take longer than a record read). */
  readonly timeoutMs?: number;
  /** `INTERNAL_API_TOKEN`, sent as a bearer token (none while unset). */
  readonly token?: string;
}

/** A call to the analytics API failed: network, timeout, unexpected status or invalid body. */
export class AnalyticsClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** The server's `detail` (for a 400: the offending parameter and why). */
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AnalyticsClientError';
  }
}

type QueryValue = string | number | Date | undefined;

function queryString(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return params.size > 0 ? `?${params.toString()}` : '';
}

/**
 * Typed HTTP client of the persistence service's internal analytics API (`/internal/v1/tenants/:tenantId/
 * analytics/...`), used by the gateway. Queries are the parsed (validated) query objects; responses are
 * validated against the same zod schemas the server answers with; the trace context travels in `traceparent`.
 */
export class ConversationAnalyticsClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  constructor(baseUrl: string, options: AnalyticsClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.token = options.token;
  }

  searchConversations(tenantId: string, query: ConversationSearchQuery): Promise<ConversationSearchResult> {
    return this.get(tenantId, 'conversations', { ...query }, ConversationSearchResult);
  }

  intents(tenantId: string, query: AnalyticsRangeQuery): Promise<IntentFrequencies> {
    return this.get(tenantId, 'intents', { ...query }, IntentFrequencies);
  }

  objections(tenantId: string, query: AnalyticsRangeQuery): Promise<ObjectionFrequencies> {
    return this.get(tenantId, 'objections', { ...query }, ObjectionFrequencies);
  }

  funnel(tenantId: string, query: AnalyticsRangeQuery): Promise<StageFunnel> {
    return this.get(tenantId, 'funnel', { ...query }, StageFunnel);
  }

  sentiment(tenantId: string, query: SentimentTrendQuery): Promise<SentimentTrend> {
    return this.get(tenantId, 'sentiment', { ...query }, SentimentTrend);
  }

  reps(tenantId: string, query: RepProgressQuery): Promise<RepProgress> {
    return this.get(tenantId, 'reps', { ...query }, RepProgress);
  }

  promptVersions(tenantId: string, query: PromptVersionsQuery): Promise<PromptVersionComparison> {
    return this.get(tenantId, 'prompt-versions', { ...query }, PromptVersionComparison);
  }

  /** Every tenant (`/internal/v1/analytics/prompt-versions`): for the admin API only. */
  promptVersionsAllTenants(query: PromptVersionsAllTenantsQuery): Promise<PromptVersionComparison> {
    const { byTenant, ...rest } = query;
    return this.get(
      undefined,
      'prompt-versions',
      { ...rest, byTenant: String(byTenant) },
      PromptVersionComparison,
    );
  }

  private async get<S extends z.ZodType>(
    tenantId: string | undefined,
    resource: string,
    query: Record<string, QueryValue>,
    schema: S,
  ): Promise<z.output<S>> {
    const scope = tenantId === undefined ? '' : `/tenants/${encodeURIComponent(tenantId)}`;
    const path = `/internal/v1${scope}/analytics/${resource}${queryString(query)}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...internalAuthHeaders(this.token),
    };
    propagation.inject(context.active(), headers);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new AnalyticsClientError(
        timedOut
          ? `GET ${resource}: no answer within ${this.timeoutMs} ms`
          : `GET ${resource}: ${String(error)}`,
        undefined,
        undefined,
        { cause: error },
      );
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) {
      let detail: string | undefined;
      try {
        detail = (JSON.parse(text) as { detail?: unknown }).detail as string | undefined;
      } catch {
        detail = undefined;
      }
      throw new AnalyticsClientError(
        `GET ${resource}: HTTP ${response.status}: ${text.slice(0, 300)}`,
        response.status,
        typeof detail === 'string' ? detail : undefined,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new AnalyticsClientError(`GET ${resource}: response is not JSON`, 200, undefined, {
        cause: error,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new AnalyticsClientError(`GET ${resource}: unexpected response: ${issues}`, 200);
    }
    return parsed.data;
  }
}
