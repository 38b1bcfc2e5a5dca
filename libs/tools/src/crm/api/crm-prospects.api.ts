import { BadRequestException, Controller, Get, Param, Query } from '@nestjs/common';
import { internalAuthHeaders } from '@lib/access';
import { context, propagation } from '@opentelemetry/api';
import { z } from 'zod';
import { schemaOf, UnitOfWork } from '@lib/database';
import { CrmProposalsClientError } from './crm-proposals.client';

/** `GET …/crm/prospects?q=&limit=`: `q` matches the contact's name, email or company (case-insensitive). */
export const CrmProspectSearchQuery = z.strictObject({
  q: z.string().trim().max(100).default('').describe('Part of the name, email or company; empty: all'),
  limit: z.coerce.number().int().min(1).max(50).default(10).describe('At most this many (1–50, default 10)'),
});
export type CrmProspectSearchQuery = z.infer<typeof CrmProspectSearchQuery>;

/** A CRM contact as a prospect to start a conversation with (the fields of a `ProspectRef`). */
export const CrmProspectSummary = z.object({
  crmContactId: z.uuid(),
  name: z.string(),
  email: z.string().nullable(),
  title: z.string().nullable(),
  company: z.string(),
});
export type CrmProspectSummary = z.infer<typeof CrmProspectSummary>;

export const CrmProspectList = z.object({ prospects: z.array(CrmProspectSummary) });
export type CrmProspectList = z.infer<typeof CrmProspectList>;

/** Base path of the internal prospect search. Internal: reached by the gateway on the service network only. */
export const CRM_PROSPECTS_PATH = 'internal/v1/tenants/:tenantId/crm/prospects';

const Params = z.object({ tenantId: z.string().min(1).max(128) });

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new BadRequestException({ title: 'Bad Request', status: 400, detail });
}

/** `%`, `_` and `\` in the rep's text are literal characters, not LIKE wildcards. */
const likePattern = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The internal search over the built-in CRM's contacts (with their account's name), for the console's
 * prospect picker. The tenant is in the path (the gateway puts the API key's tenant there).
 */
@Controller(CRM_PROSPECTS_PATH)
export class CrmProspectsController {
  private readonly schema: string;

  constructor(private readonly uow: UnitOfWork) {
    this.schema = schemaOf(uow.dataSource);
  }

  @Get()
  async search(@Param() params: unknown, @Query() query: unknown): Promise<CrmProspectList> {
    const { tenantId } = parse(Params, params);
    const { q, limit } = parse(CrmProspectSearchQuery, query);
    const rows: CrmProspectSummary[] = await this.uow.manager.query(
      `SELECT c."id" AS "crmContactId", c."first_name" || ' ' || c."last_name" AS "name", c."email", c."title",
              a."name" AS "company"
       FROM "${this.schema}"."crm_contacts" c
       JOIN "${this.schema}"."crm_accounts" a ON a."tenant_id" = c."tenant_id" AND a."id" = c."account_id"
       WHERE c."tenant_id" = $1
         AND ($2 = '' OR c."first_name" || ' ' || c."last_name" ILIKE $3 OR c."email" ILIKE $3 OR a."name" ILIKE $3)
       ORDER BY c."last_name", c."first_name", c."id"
       LIMIT $4`,
      [tenantId, q, likePattern(q), limit],
    );
    return { prospects: rows };
  }
}

/** Typed HTTP client of the internal prospect search (used by the gateway); errors as the proposals client's. */
export class CrmProspectsClient {
  private readonly baseUrl: string;

  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  /** `token`: `INTERNAL_API_TOKEN`, sent as a bearer token (none while unset). */
  constructor(baseUrl: string, options: { readonly timeoutMs?: number; readonly token?: string } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.token = options.token;
  }

  async search(tenantId: string, query: CrmProspectSearchQuery): Promise<CrmProspectList> {
    const params = new URLSearchParams({ q: query.q, limit: String(query.limit) });
    const path = `/internal/v1/tenants/${encodeURIComponent(tenantId)}/crm/prospects?${params.toString()}`;
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
      throw new CrmProposalsClientError(
        `GET ${path}: request failed: ${String(error)}`,
        undefined,
        undefined,
        {
          cause: error,
        },
      );
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) {
      throw new CrmProposalsClientError(
        `GET ${path}: HTTP ${response.status}: ${text.slice(0, 300)}`,
        response.status,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new CrmProposalsClientError(`GET ${path}: response is not JSON`, response.status, undefined, {
        cause: error,
      });
    }
    const parsed = CrmProspectList.safeParse(json);
    if (!parsed.success)
      throw new CrmProposalsClientError(`GET ${path}: unexpected response`, response.status);
    return parsed.data;
  }
}
