import { z } from 'zod';
import { DealStage, Id, IsoTime, ModelInfo } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

const Confidence = z.number().min(0).max(1);

/** One qualification field: what is known (or null), the prospect's words that show it, and how sure. */
export const QualificationField = z.object({
  value: z.string().max(500).nullable(),
  evidence: z.array(z.string().min(1).max(500)).max(5).describe('Quotes from the conversation'),
  confidence: Confidence,
});
export type QualificationField = z.infer<typeof QualificationField>;

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
  qualification: z
    .object({
      bant: z.object({
        budget: QualificationField,
        authority: QualificationField,
        need: QualificationField,
        timeline: QualificationField,
      }),
      meddic: z.object({
        metrics: QualificationField,
        economicBuyer: QualificationField,
        decisionCriteria: QualificationField,
        decisionProcess: QualificationField,
        identifyPain: QualificationField,
        champion: QualificationField,
      }),
    })
    .optional()
    .describe('BANT and MEDDIC qualification, each field with quoted evidence and a confidence'),
});
export type Analysis = z.infer<typeof Analysis>;

export const NextBestAction = z.object({
  action: z.string().min(1).max(300),
  reason: z.string().max(500),
});
export type NextBestAction = z.infer<typeof NextBestAction>;

/** A CRM change the model proposes; applied only after approval (never on the model's word alone). */
export const ProposedCrmUpdate = z.object({
  entity: z.enum(['deal', 'contact', 'account']),
  field: z.string().min(1).max(100),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  evidence: z.string().min(1).max(1000),
});
export type ProposedCrmUpdate = z.infer<typeof ProposedCrmUpdate>;

export const AnalysisCompletedData = z.object({
  conversationId: Id,
  turnId: Id,
  analysis: Analysis,
  nextBestActions: z.array(NextBestAction).optional(),
  proposedCrmUpdates: z.array(ProposedCrmUpdate).optional(),
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
