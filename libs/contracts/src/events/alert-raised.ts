import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const AlertRaisedData = z.object({
  alertId: Id,
  conversationId: Id.describe('The conversation that triggered the alert'),
  turnId: Id.optional(),
  severity: z.enum(['info', 'warning', 'critical']),
  kind: z.string().min(1).describe('e.g. "ungrounded_reply", "latency_spike"'),
  message: z.string().min(1),
  evidence: z.record(z.string(), z.unknown()),
  raisedAt: IsoTime,
});
export type AlertRaisedData = z.infer<typeof AlertRaisedData>;

export const AlertRaised = defineEvent({
  type: eventType('alert.raised'),
  topic: Topics.alerts,
  schema: AlertRaisedData,
  description: 'Something unusual was detected: an ungrounded reply, a latency spike, an error burst.',
  keyOf: (d) => d.conversationId,
});
