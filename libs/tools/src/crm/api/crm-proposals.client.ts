import { context, propagation } from '@opentelemetry/api';
import { internalAuthHeaders } from '@lib/access';
import type { z } from 'zod';
import { CrmProposalList, CrmProposalView, type CrmProposalListQuery } from './crm-proposals.api-schema';

/** A call to the tool-runner's CRM proposals API failed; `status` is the HTTP status when there was one. */
export class CrmProposalsClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CrmProposalsClientError';
  }
}

/**
 * Typed HTTP client of the tool-runner's internal CRM proposals API (used by the gateway). Responses are
 * validated with the server's zod schemas; the trace context travels in `traceparent`. 404 → undefined.
 */
export class CrmProposalsClient {
  private readonly baseUrl: string;

  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  /** `token`: `INTERNAL_API_TOKEN`, sent as a bearer token (none while unset). */
  constructor(baseUrl: string, options: { readonly timeoutMs?: number; readonly token?: string } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.token = options.token;
  }

  async list(tenantId: string, query: Partial<CrmProposalListQuery>): Promise<CrmProposalList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const suffix = params.size > 0 ? `?${params.toString()}` : '';
    const list = await this.call('GET', `${this.path(tenantId)}${suffix}`, undefined, CrmProposalList);
    if (!list) throw new CrmProposalsClientError('list proposals: unexpected 404', 404);
    return list;
  }

  get(tenantId: string, proposalId: string): Promise<CrmProposalView | undefined> {
    return this.call(
      'GET',
      `${this.path(tenantId)}/${encodeURIComponent(proposalId)}`,
      undefined,
      CrmProposalView,
    );
  }

  approve(tenantId: string, proposalId: string, decidedBy: string): Promise<CrmProposalView | undefined> {
    return this.call(
      'POST',
      `${this.path(tenantId)}/${encodeURIComponent(proposalId)}/approve`,
      { decidedBy },
      CrmProposalView,
    );
  }

  reject(
    tenantId: string,
    proposalId: string,
    decidedBy: string,
    reason?: string,
  ): Promise<CrmProposalView | undefined> {
    return this.call(
      'POST',
      `${this.path(tenantId)}/${encodeURIComponent(proposalId)}/reject`,
      { decidedBy, ...(reason ? { reason } : {}) },
      CrmProposalView,
    );
  }

  private path(tenantId: string): string {
    return `/internal/v1/tenants/${encodeURIComponent(tenantId)}/crm/proposals`;
  }

  private async call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    schema: S,
  ): Promise<z.infer<S> | undefined> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...internalAuthHeaders(this.token),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    propagation.inject(context.active(), headers);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new CrmProposalsClientError(
        `${method} ${path}: request failed: ${String(error)}`,
        undefined,
        undefined,
        {
          cause: error,
        },
      );
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) {
      let detail: string | undefined;
      try {
        const problem = JSON.parse(text) as { detail?: unknown; message?: unknown };
        const value = problem.detail ?? problem.message;
        detail = typeof value === 'string' ? value : undefined;
      } catch {
        detail = undefined;
      }
      throw new CrmProposalsClientError(
        `${method} ${path}: HTTP ${response.status}: ${text.slice(0, 300)}`,
        response.status,
        detail,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new CrmProposalsClientError(
        `${method} ${path}: response is not JSON`,
        response.status,
        undefined,
        {
          cause: error,
        },
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new CrmProposalsClientError(`${method} ${path}: unexpected response`, response.status);
    }
    return parsed.data;
  }
}
