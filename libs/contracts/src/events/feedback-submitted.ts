import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

export const FeedbackSubmittedData = z
  .object({
    feedbackId: Id,
    conversationId: Id,
    turnId: Id,
    thumbs: z.enum(['up', 'down']).optional(),
    rating: z.int().min(1).max(5).optional(),
    comment: z.string().max(2000).optional(),
    submittedAt: IsoTime,
  })
  .refine((f) => f.thumbs !== undefined || f.rating !== undefined || f.comment !== undefined, {
    message: 'feedback needs at least one of thumbs, rating, comment',
  });
export type FeedbackSubmittedData = z.infer<typeof FeedbackSubmittedData>;

export const FeedbackSubmitted = defineEvent({
  type: eventType('feedback.submitted'),
  topic: Topics.feedback,
  schema: FeedbackSubmittedData,
  description: "A rep rated a turn's reply (thumbs, 1-5 rating and/or comment).",
  keyOf: (d) => d.conversationId,
});
