import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

/**
 * Feedback on a whole conversation (not on one turn's reply). A new event type rather than an optional
 * `turnId` on `feedback.submitted`: making a required field optional would break that event's subscribers.
 */
export const ConversationFeedbackSubmittedData = z
  .object({
    feedbackId: Id,
    conversationId: Id,
    thumbs: z.enum(['up', 'down']).optional(),
    rating: z.int().min(1).max(5).optional(),
    comment: z.string().max(2000).optional(),
    submittedAt: IsoTime,
  })
  .refine((f) => f.thumbs !== undefined || f.rating !== undefined || f.comment !== undefined, {
    message: 'feedback needs at least one of thumbs, rating, comment',
  });
export type ConversationFeedbackSubmittedData = z.infer<typeof ConversationFeedbackSubmittedData>;

export const ConversationFeedbackSubmitted = defineEvent({
  type: eventType('conversation.feedback.submitted'),
  topic: Topics.feedback,
  schema: ConversationFeedbackSubmittedData,
  description: 'A rep rated a whole conversation (thumbs, 1-5 rating and/or comment).',
  keyOf: (d) => d.conversationId,
});
