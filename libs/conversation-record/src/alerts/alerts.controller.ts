import { BadRequestException, Controller, Get, Injectable, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import { decodeSearchCursor, encodeSearchCursor } from '../analytics/search-cursor';
import { TenantIdParam } from '../reading/conversation-view.schema';
import { AlertListQuery, type AlertItem, type AlertList, type AlertSeverity } from './alerts.schema';
import { AlertListRepository, type AlertRow } from './alerts.repository';

/** Base path of the internal alerts API (reached by the gateway on the service network only). */
export const ALERTS_PATH = 'internal/v1/tenants/:tenantId/alerts';

const badRequest = (detail: string) => new BadRequestException({ title: 'Bad Request', status: 400, detail });

/** 400 `{title, status, detail}` naming each offending parameter, like the analytics API. */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((issue) => {
      const keys = (issue as { keys?: string[] }).keys;
      const field = issue.path.length ? issue.path.join('.') : keys?.length ? keys.join(', ') : '(root)';
      return `${field}: ${issue.message}`;
    })
    .join('; ');
  throw badRequest(detail);
}

function toItem(row: AlertRow): AlertItem {
  const scope = row.evidence.scope === 'tenant' ? 'tenant' : 'conversation';
  return {
    alertId: row.id,
    conversationId: row.conversation_id,
    turnId: row.turn_id,
    severity: row.severity as AlertSeverity,
    kind: row.kind,
    scope,
    message: row.message,
    evidence: row.evidence,
    raisedAt: row.raised_at.toISOString(),
  };
}

/** A page of the tenant's alerts, newest first, with an opaque keyset cursor. */
@Injectable()
export class AlertsReader {
  constructor(private readonly repository: AlertListRepository) {}

  async list(tenantId: string, query: AlertListQuery): Promise<AlertList> {
    const position = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor);
    if (query.cursor !== undefined && !position) throw badRequest('cursor: not a cursor this API issued');
    const rows = await this.repository.list({
      tenantId,
      severity: query.severity,
      kind: query.kind,
      from: query.from,
      to: query.to,
      after: position && { raisedAt: position.startedAt, id: position.id },
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toItem),
      nextCursor:
        rows.length > query.limit && last
          ? encodeSearchCursor({ startedAt: last.cursor_at, id: last.id })
          : null,
    };
  }
}

/** The internal alerts API over the record, per tenant. */
@Controller(ALERTS_PATH)
export class AlertsController {
  constructor(private readonly reader: AlertsReader) {}

  @Get()
  list(@Param('tenantId') tenantId: string, @Query() query: unknown): Promise<AlertList> {
    return this.reader.list(parse(TenantIdParam, tenantId), parse(AlertListQuery, query));
  }
}
