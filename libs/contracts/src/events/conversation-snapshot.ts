import { z } from 'zod';
import { ConversationMode, DealStage, Id, IsoTime, ProspectRef } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

/**
 * The current state of a conversation, on a compacted topic keyed by conversation id: a subscriber that
 * reads the topic from the start gets the latest state of every live conversation, without the history.
 * A deleted conversation gets a tombstone (a record with this key and no value).
 */
export const ConversationSnapshotData = z.object({
  conversationId: Id,
  status: z.enum(['pending', 'active']).describe('pending: events arrived before conversation.started'),
  mode: ConversationMode.nullable(),
  prospect: ProspectRef.nullable(),
  repId: z.string().max(128).nullable(),
  stage: DealStage.nullable().describe('Deal stage of the latest analysed turn'),
  turnCount: z.int().min(0),
  startedAt: IsoTime,
  updatedAt: IsoTime,
});
export type ConversationSnapshotData = z.infer<typeof ConversationSnapshotData>;

export const ConversationSnapshot = defineEvent({
  type: eventType('conversation.snapshot'),
  topic: Topics.conversationState,
  schema: ConversationSnapshotData,
  description:
    'The latest state of a conversation (status, mode, rep, stage, turn count), published by persistence when ' +
    'it changes. Compacted topic: the newest snapshot per conversation is kept; deletion writes a tombstone.',
  keyOf: (d) => d.conversationId,
});
