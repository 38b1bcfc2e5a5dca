import { z } from 'zod';
import { DealStage, Id, IsoTime, ModelInfo } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

const Confidence = z.number().min(0).max(1);

export const EntityType = z.enum([
  'person',
  'company',
  'product',
  'budget',
  'timeline',
  'competitor',
  'email',
  'phone',
  'seats',
]);

export const Analysis = z.object({
  intents: z.array(z.object({ name: z.string().min(1), confidence: Confidence })),
  sentiment: z.object({
    label: z.enum(['positive', 'neutral', 'negative']),
    score: z.number().min(-1).max(1),
  }),
  entities: z.array(
    z.object({
      type: EntityType,
      text: z.string().min(1).describe('The words of the turn that mention the entity'),
      value: z.string().optional().describe('Normalised value, e.g. "50000 USD" for a budget'),
    }),
  ),
  objections: z.array(
    z.object({
      type: z.enum(['price', 'timing', 'competitor', 'authority', 'need', 'trust', 'other']),
      evidence: z.string().min(1),
    }),
  ),
  buyingSignals: z.array(z.object({ signal: z.string().min(1), evidence: z.string().min(1) })),
  stage: DealStage,
});
export type Analysis = z.infer<typeof Analysis>;

export const AnalysisCompletedData = z.object({
  conversationId: Id,
  turnId: Id,
  analysis: Analysis,
  model: ModelInfo,
  completedAt: IsoTime,
});
export type AnalysisCompletedData = z.infer<typeof AnalysisCompletedData>;

export const AnalysisCompleted = defineEvent({
  type: eventType('analysis.completed'),
  topic: Topics.outcomes,
  schema: AnalysisCompletedData,
  description:
    'The analysis of a turn: intents, sentiment, entities, objections, buying signals, deal stage.',
  keyOf: (d) => d.conversationId,
});
