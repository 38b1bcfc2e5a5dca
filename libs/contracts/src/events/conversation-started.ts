import { z } from 'zod';
import { ConversationMode, Id, IsoTime, ProspectRef } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const ConversationStartedData = z.object({
  conversationId: Id,
  mode: ConversationMode,
  prospect: ProspectRef,
  repId: z.string().min(1).max(128).optional(),
  title: z.string().max(200).optional(),
  startedAt: IsoTime,
});
export type ConversationStartedData = z.infer<typeof ConversationStartedData>;

export const ConversationStarted = defineEvent({
  type: eventType('conversation.started'),
  topic: Topics.conversationLifecycle,
  schema: ConversationStartedData,
  description: 'A conversation with a prospect was started through the gateway.',
  keyOf: (d) => d.conversationId,
});
