import { context, propagation } from '@opentelemetry/api';
import { internalAuthHeaders } from '@lib/access';
import { AnalyticsClientError } from '../analytics/analytics.client';
import { AlertList, type AlertListQuery } from './alerts.schema';

/**
 * Typed HTTP client of the persistence service's internal alerts API, used by the gateway. The query is the
 * parsed (validated) query; the response is validated against `AlertList`. Failures are
 * `AnalyticsClientError`s (status and, for a 400, the server's `detail`), like the analytics client's.
 */
export class ConversationAlertsClient {
  private readonly baseUrl: string;

  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  /** `token`: `INTERNAL_API_TOKEN`, sent as a bearer token (none while unset). */
  constructor(baseUrl: string, options: { readonly timeoutMs?: number; readonly token?: string } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.token = options.token;
  }

  async list(tenantId: string, query: AlertListQuery): Promise<AlertList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query) as [string, string | number | Date | undefined][]) {
      if (value !== undefined) params.set(key, value instanceof Date ? value.toISOString() : String(value));
    }
    const url = `${this.baseUrl}/internal/v1/tenants/${encodeURIComponent(tenantId)}/alerts?${params.toString()}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...internalAuthHeaders(this.token),
    };
    propagation.inject(context.active(), headers);
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new AnalyticsClientError(`GET alerts: ${String(error)}`, undefined, undefined, { cause: error });
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) {
      let detail: unknown;
      try {
        detail = (JSON.parse(text) as { detail?: unknown }).detail;
      } catch {
        detail = undefined;
      }
      throw new AnalyticsClientError(
        `GET alerts: HTTP ${response.status}: ${text.slice(0, 300)}`,
        response.status,
        typeof detail === 'string' ? detail : undefined,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new AnalyticsClientError('GET alerts: response is not JSON', 200, undefined, { cause: error });
    }
    const parsed = AlertList.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new AnalyticsClientError(`GET alerts: unexpected response: ${issues}`, 200);
    }
    return parsed.data;
  }
}
