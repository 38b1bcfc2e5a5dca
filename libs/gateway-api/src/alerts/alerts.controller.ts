import { Controller, Get, Inject, Injectable, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentTenant, type AuthenticatedTenant } from '@lib/access';
import {
  ALERTS_DEFAULT_LIMIT,
  ALERTS_MAX_LIMIT,
  AlertList,
  AlertListQuery,
  AlertSeverity,
  ConversationAlertsClient,
} from '@lib/conversation-record';
import { apiSchemas } from '../http/api-schemas';
import { ApiProblemResponses, schemaRef } from '../http/openapi-decorators';
import { InternalApiProxy } from '../http/internal-api-proxy';
import { AnalyticsQueryPipe } from '../analytics/analytics.service';

apiSchemas.add(AlertList, { id: 'AlertList' });

/** The example response of `GET /v1/alerts` in the OpenAPI document (a test checks it against the schema). */
export const ALERTS_EXAMPLE: AlertList = {
  items: [
    {
      alertId: '0195f3b1-2d4e-5a6b-8c7d-9e0f1a2b3c4d',
      conversationId: '0195f3a0-6c1e-7a4b-9d52-3f1a2b3c4d5e',
      turnId: '0195f3a0-7d2f-7b5c-8e63-4a2b3c4d5e6f',
      severity: 'warning',
      kind: 'error_rate_spike',
      scope: 'tenant',
      message: 'Error rate 0.3 over the last 30 turns, against a baseline of 0.04 (threshold 0.29).',
      evidence: {
        scope: 'tenant',
        statistic: 'mean',
        baseline: 0.04,
        current: 0.3,
        threshold: 0.29,
        window: { start: '2025-03-14T09:30:10.000Z', end: '2025-03-14T09:35:00.000Z', sampleCount: 30 },
        baselineCount: 500,
        exampleConversationIds: ['0195f3a0-6c1e-7a4b-9d52-3f1a2b3c4d5e'],
        exampleTurnIds: ['0195f3a0-7d2f-7b5c-8e63-4a2b3c4d5e6f'],
      },
      raisedAt: '2025-03-14T09:35:00.000Z',
    },
  ],
  nextCursor: 'WyIyMDI1LTAzLTE0VDA5OjM1OjAwLjAwMDAwMCIsIjAxOTVmM2IxLTJkNGUtNWE2Yi04YzdkLTllMGYxYTJiM2M0ZCJd',
};

/**
 * The tenant's alerts through persistence's internal alerts API (persistence stores every `alert.raised`).
 * A 400 from persistence (a cursor it did not issue) is the client's 400; anything else is a 503.
 */
@Injectable()
export class AlertsProxy {
  private readonly api = new InternalApiProxy(
    AlertsProxy.name,
    'alerts API',
    'alerts are unavailable, retry shortly',
  );

  constructor(@Inject(ConversationAlertsClient) private readonly client: ConversationAlertsClient) {}

  list(tenant: AuthenticatedTenant, query: AlertListQuery): Promise<AlertList> {
    return this.api.call(() => this.client.list(tenant.id, query));
  }
}

const TIME = {
  type: 'string',
  description: 'ISO 8601 date (midnight UTC) or date-time with offset',
} as const;

/** `GET /v1/alerts`: the tenant's alerts, newest first. */
@ApiTags('alerts')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(400, 401, 500, 503)
@UseGuards(ApiKeyGuard)
@Controller('v1')
export class AlertsController {
  constructor(private readonly alerts: AlertsProxy) {}

  @Get('alerts')
  @ApiOperation({
    summary: 'List alerts',
    description:
      'The tenant’s alerts (tenant from the API key), newest first: ungrounded replies, and anomalies on ' +
      'rolling baselines (error_rate_spike, latency_p95_jump, groundedness_drop, satisfaction_drop, ' +
      'crm_write_burst; scope `tenant`, with baseline, current value, window and example conversations as ' +
      'evidence). Keyset pagination: pass `nextCursor` as `cursor` for the next page.',
  })
  @ApiQuery({ name: 'severity', required: false, enum: AlertSeverity.options })
  @ApiQuery({
    name: 'kind',
    required: false,
    description: 'Alert kind',
    schema: { type: 'string', example: 'error_rate_spike' },
  })
  @ApiQuery({ name: 'from', required: false, description: 'Raised at or after', schema: { ...TIME } })
  @ApiQuery({ name: 'to', required: false, description: 'Raised before', schema: { ...TIME } })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: ALERTS_MAX_LIMIT, default: ALERTS_DEFAULT_LIMIT },
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: '`nextCursor` of the previous page',
    schema: { type: 'string' },
  })
  @ApiResponse({
    status: 200,
    description: 'A page of alerts',
    content: { 'application/json': { schema: schemaRef('AlertList'), example: ALERTS_EXAMPLE } },
  })
  list(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new AnalyticsQueryPipe(AlertListQuery)) query: AlertListQuery,
  ): Promise<AlertList> {
    return this.alerts.list(tenant, query);
  }
}
