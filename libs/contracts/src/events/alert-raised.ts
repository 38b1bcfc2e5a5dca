import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const AlertRaisedData = z.object({
  alertId: Id,
  conversationId: Id.describe('The conversation that triggered the alert'),
  turnId: Id.optional(),
  severity: z.enum(['info', 'warning', 'critical']),
  kind: z
    .string()
    .min(1)
    .describe(
      'e.g. "ungrounded_reply"; anomalies: "error_rate_spike", "latency_p95_jump", "groundedness_drop", ' +
        '"satisfaction_drop", "crm_write_burst"',
    ),
  message: z.string().min(1),
  evidence: z.record(z.string(), z.unknown()),
  raisedAt: IsoTime,
  scope: z
    .enum(['conversation', 'tenant'])
    .optional()
    .describe(
      "conversation: about this conversation (an ungrounded reply); tenant: a trend over the tenant's traffic " +
        '(an anomaly on a rolling baseline), conversationId being the conversation whose event tipped it',
    ),
});
export type AlertRaisedData = z.infer<typeof AlertRaisedData>;

export const AlertRaised = defineEvent({
  type: eventType('alert.raised'),
  topic: Topics.alerts,
  schema: AlertRaisedData,
  description: 'Something unusual was detected: an ungrounded reply, a latency spike, an error burst.',
  keyOf: (d) => d.conversationId,
});
