import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const TurnFailedData = z.object({
  conversationId: Id,
  turnId: Id,
  reason: z.object({
    code: z.string().min(1).describe('Stable machine-readable code, e.g. "tool_failed", "model_unavailable"'),
    message: z.string().min(1),
  }),
  failedAt: IsoTime,
});
export type TurnFailedData = z.infer<typeof TurnFailedData>;

export const TurnFailed = defineEvent({
  type: eventType('turn.failed'),
  topic: Topics.outcomes,
  schema: TurnFailedData,
  description: 'The assistant could not produce a reply for a turn; the reason says why.',
  keyOf: (d) => d.conversationId,
});
