import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const ConversationDeletionReason = z
  .enum(['request', 'retention'])
  .describe(
    'request: deleted through the API or the command; retention: the tenant retention period ran out',
  );
export type ConversationDeletionReason = z.infer<typeof ConversationDeletionReason>;

export const ConversationDeletedData = z.object({
  conversationId: Id,
  reason: ConversationDeletionReason,
  requestedBy: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Who asked: an API key id, "cli", or "retention"'),
  deletedAt: IsoTime,
});
export type ConversationDeletedData = z.infer<typeof ConversationDeletedData>;

export const ConversationDeleted = defineEvent({
  type: eventType('conversation.deleted'),
  topic: Topics.conversationLifecycle,
  schema: ConversationDeletedData,
  description:
    'A conversation was deleted: every service removes what it stores of it (rows, derived vectors, state on ' +
    'compacted topics) and ignores its late events. Carries no content.',
  keyOf: (d) => d.conversationId,
});
