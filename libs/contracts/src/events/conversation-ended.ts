import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const ConversationEndReason = z
  .enum(['closed'])
  .describe('closed: ended through the API (POST /v1/conversations/{id}/end)');
export type ConversationEndReason = z.infer<typeof ConversationEndReason>;

export const ConversationEndedData = z.object({
  conversationId: Id,
  reason: ConversationEndReason,
  endedAt: IsoTime,
});
export type ConversationEndedData = z.infer<typeof ConversationEndedData>;

export const ConversationEnded = defineEvent({
  type: eventType('conversation.ended'),
  topic: Topics.conversationLifecycle,
  schema: ConversationEndedData,
  description:
    'A conversation was ended (closed through the API): the evaluator evaluates the whole conversation. ' +
    'Published once per conversation. Carries no content.',
  keyOf: (d) => d.conversationId,
});
