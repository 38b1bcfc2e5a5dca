import { context, propagation } from '@opentelemetry/api';
import { internalAuthHeaders } from '@lib/access';
import { KnowledgeDocumentResult, type KnowledgeDocumentRequest } from './knowledge-documents.schemas';

export class KnowledgeDocumentsClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'KnowledgeDocumentsClientError';
  }
}

/** HTTP client of the tool-runner's internal knowledge-documents API (the tool-runner owns ingestion). */
export class KnowledgeDocumentsClient {
  private readonly baseUrl: string;

  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  /** `token`: `INTERNAL_API_TOKEN`, sent as a bearer token (none while unset). */
  constructor(baseUrl: string, options: { readonly timeoutMs?: number; readonly token?: string } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.token = options.token;
  }

  async ingest(
    tenantId: string,
    body: KnowledgeDocumentRequest,
  ): Promise<{ created: boolean; result: KnowledgeDocumentResult }> {
    const res = await this.fetch('POST', this.path(tenantId), body);
    if (res.status !== 200 && res.status !== 201) throw await this.failure('ingest', res);
    return { created: res.status === 201, result: KnowledgeDocumentResult.parse(await res.json()) };
  }

  /** false when the tenant has no such document. */
  async remove(tenantId: string, documentId: string): Promise<boolean> {
    const res = await this.fetch('DELETE', `${this.path(tenantId)}/${encodeURIComponent(documentId)}`);
    if (res.status === 404) return false;
    if (res.status !== 204) throw await this.failure('delete', res);
    return true;
  }

  private path(tenantId: string): string {
    return `${this.baseUrl}/internal/v1/tenants/${encodeURIComponent(tenantId)}/knowledge/documents`;
  }

  private async fetch(method: string, url: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = internalAuthHeaders(this.token);
    propagation.inject(context.active(), headers);
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new KnowledgeDocumentsClientError(`tool-runner unreachable: ${String(error)}`);
    }
  }

  private async failure(what: string, res: Response): Promise<KnowledgeDocumentsClientError> {
    const text = await res.text();
    let detail: string | undefined;
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail;
    } catch {
      detail = undefined;
    }
    return new KnowledgeDocumentsClientError(`${what}: HTTP ${res.status}`, res.status, detail);
  }
}
