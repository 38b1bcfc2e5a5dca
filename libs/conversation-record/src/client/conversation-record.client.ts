import { context, propagation } from '@opentelemetry/api';
import { internalAuthHeaders } from '@lib/access';
import type { z } from 'zod';
import {
  ConversationList,
  ConversationView,
  type ConversationList as ConversationListType,
  type ConversationView as ConversationViewType,
} from '../reading/conversation-view.schema';

export interface ConversationRecordClientOptions {
  /** Per-request timeout. Default 5 s. */
  readonly timeoutMs?: number;
  /** `INTERNAL_API_TOKEN`, sent as a bearer token (none while unset). */
  readonly token?: string;
}

/** A call to the persistence read API failed: network, timeout, unexpected status or invalid body. */
export class ConversationRecordError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConversationRecordError';
  }
}

/**
 * Typed HTTP client of the persistence service's internal read API (used by the gateway). Responses are
 * validated against the same zod schemas the server uses; the trace context travels in `traceparent`.
 */
export class ConversationRecordClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  constructor(baseUrl: string, options: ConversationRecordClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.token = options.token;
  }

  /** The conversation's record, or undefined when the tenant has no such conversation (404). */
  async getConversation(tenantId: string, conversationId: string): Promise<ConversationViewType | undefined> {
    const path = `${this.tenantPath(tenantId)}/${encodeURIComponent(conversationId)}`;
    return this.get(path, ConversationView, true);
  }

  /** A page of the tenant's conversations, newest first. */
  async listConversations(
    tenantId: string,
    page: { limit?: number; cursor?: string } = {},
  ): Promise<ConversationListType> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.cursor !== undefined) query.set('cursor', page.cursor);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const list = await this.get(`${this.tenantPath(tenantId)}${suffix}`, ConversationList, false);
    if (!list) throw new ConversationRecordError('list conversations: unexpected 404', 404);
    return list;
  }

  private tenantPath(tenantId: string): string {
    return `/internal/v1/tenants/${encodeURIComponent(tenantId)}/conversations`;
  }

  private async get<S extends z.ZodType>(
    path: string,
    schema: S,
    notFoundIsUndefined: boolean,
  ): Promise<z.infer<S> | undefined> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...internalAuthHeaders(this.token),
    };
    propagation.inject(context.active(), headers);
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new ConversationRecordError(
        timedOut
          ? `GET ${path}: no answer within ${this.timeoutMs} ms`
          : `GET ${path}: request failed: ${String(error)}`,
        undefined,
        { cause: error },
      );
    }
    if (response.status === 404 && notFoundIsUndefined) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status !== 200) {
      const body = (await response.text().catch(() => '')).slice(0, 500);
      throw new ConversationRecordError(`GET ${path}: HTTP ${response.status}: ${body}`, response.status);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new ConversationRecordError(`GET ${path}: response is not JSON`, response.status, {
        cause: error,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ConversationRecordError(`GET ${path}: unexpected response: ${issues}`, response.status);
    }
    return parsed.data;
  }
}
