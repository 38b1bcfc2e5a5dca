import { z } from 'zod';
import { Id, IsoTime } from '@lib/contracts';
import { TimeParam } from '../analytics/analytics.schema';

/**
 * The alerts API of the record (`/internal/v1/tenants/:tenantId/alerts`): query and response, shared by the
 * internal controller, its client and the gateway (validation and OpenAPI).
 */

export const ALERTS_DEFAULT_LIMIT = 50;
export const ALERTS_MAX_LIMIT = 200;

export const AlertSeverity = z.enum(['info', 'warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

/** `GET .../alerts?...`: the tenant's alerts, newest first (raised time, then id). */
export const AlertListQuery = z
  .strictObject({
    severity: AlertSeverity.optional().describe('Only alerts of this severity'),
    kind: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9_.-]+$/, 'expected a kind such as error_rate_spike')
      .optional()
      .describe('Only alerts of this kind, e.g. error_rate_spike'),
    from: TimeParam.optional().describe('Raised at or after (inclusive)'),
    to: TimeParam.optional().describe('Raised before (exclusive)'),
    limit: z.coerce.number().int().min(1).max(ALERTS_MAX_LIMIT).default(ALERTS_DEFAULT_LIMIT),
    cursor: z.string().min(1).max(300).optional().describe('`nextCursor` of the previous page'),
  })
  .superRefine((query, ctx) => {
    if (query.from && query.to && query.from.getTime() >= query.to.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before `to`' });
    }
  });
export type AlertListQuery = z.output<typeof AlertListQuery>;

export const AlertItem = z.object({
  alertId: Id,
  conversationId: Id.describe('The conversation whose event raised (or tipped) the alert'),
  turnId: Id.nullable(),
  severity: AlertSeverity,
  kind: z.string(),
  scope: z
    .enum(['conversation', 'tenant'])
    .describe('tenant: an anomaly over the tenant’s traffic; conversation: about that conversation'),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  raisedAt: IsoTime,
});
export type AlertItem = z.infer<typeof AlertItem>;

export const AlertList = z.object({
  items: z.array(AlertItem),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});
export type AlertList = z.infer<typeof AlertList>;
