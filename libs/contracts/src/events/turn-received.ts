import { z } from 'zod';
import { ConversationMode, Id, IsoTime, MAX_TURN_TEXT, ProspectRef, TurnRole } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const TurnReceivedData = z.object({
  conversationId: Id,
  turnId: Id,
  sequence: z.int().positive().describe('1-based position of the turn in its conversation'),
  role: TurnRole,
  text: z.string().min(1).max(MAX_TURN_TEXT),
  /** A snapshot of the conversation's settings, so consumers need no lookup. */
  conversation: z.object({ mode: ConversationMode, prospect: ProspectRef }),
  /**
   * A rep's turn that sends an AI suggestion (assist mode): the reply it came from. The text may be the
   * suggestion as is or edited; persistence tells accepted from edited by comparing them.
   */
  suggestion: z.object({ replyId: Id }).optional(),
  receivedAt: IsoTime,
});
export type TurnReceivedData = z.infer<typeof TurnReceivedData>;

export const TurnReceived = defineEvent({
  type: eventType('turn.received'),
  topic: Topics.turns,
  schema: TurnReceivedData,
  description:
    'A turn (a message from the prospect or the rep) was accepted by the gateway. Durable once published.',
  keyOf: (d) => d.conversationId,
});
