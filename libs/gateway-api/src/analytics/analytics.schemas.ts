import {
  ConversationSearchResult,
  IntentFrequencies,
  ObjectionFrequencies,
  RepProgress,
  SentimentTrend,
  StageFunnel,
} from '@lib/conversation-record';
import { apiSchemas } from '../http/api-schemas';

/**
 * The analytics API's responses are persistence's schemas as they are (its client validates them), named in
 * the OpenAPI document like every other body of the API.
 */
apiSchemas.add(ConversationSearchResult, { id: 'ConversationSearchResult' });
apiSchemas.add(IntentFrequencies, { id: 'IntentFrequencies' });
apiSchemas.add(ObjectionFrequencies, { id: 'ObjectionFrequencies' });
apiSchemas.add(StageFunnel, { id: 'StageFunnel' });
apiSchemas.add(SentimentTrend, { id: 'SentimentTrend' });
apiSchemas.add(RepProgress, { id: 'RepProgress' });

const RANGE = { from: '2025-03-01T00:00:00.000Z', to: '2025-03-31T00:00:00.000Z', repId: null };

/** One example response per route, shown in the OpenAPI document (a test checks each against its schema). */
export const ANALYTICS_EXAMPLES = {
  conversations: {
    items: [
      {
        id: '0195f3a0-6c1e-7a4b-9d52-3f1a2b3c4d5e',
        tenantId: '0195f39f-0000-7000-8000-00000000a001',
        status: 'active',
        mode: 'assist',
        prospect: { name: 'Dana Chen', company: 'Northwind Pay', email: 'dana.chen@northwindpay.example' },
        repId: 'rep-07',
        title: 'Northwind Pay: security compliance',
        stage: 'proposal',
        startedAt: '2025-03-14T09:30:12.345Z',
        updatedAt: '2025-03-14T09:52:40.120Z',
        turnCount: 8,
        match: {
          turnId: '0195f3a0-7d2f-7b5c-8e63-4a2b3c4d5e6f',
          sequence: 3,
          snippet: 'Do you sign a BAA for «HIPAA» with PostHog Cloud? You can reach me at [EMAIL].',
        },
      },
    ],
    nextCursor:
      'WyIyMDI1LTAzLTE0VDA5OjMwOjEyLjM0NTY3OCIsIjAxOTVmM2EwLTZjMWUtN2E0Yi05ZDUyLTNmMWEyYjNjNGQ1ZSJd',
  },
  intents: {
    ...RANGE,
    totalMentions: 1250,
    items: [
      { intent: 'pricing_inquiry', count: 410, conversations: 236, share: 0.328 },
      { intent: 'feature_question', count: 305, conversations: 198, share: 0.244 },
      { intent: 'objection', count: 120, conversations: 97, share: 0.096 },
    ],
  },
  objections: {
    ...RANGE,
    total: 120,
    handled: 74,
    items: [
      { type: 'price', count: 41, handled: 22, handledRate: 0.5366 },
      { type: 'competitor', count: 19, handled: 14, handledRate: 0.7368 },
    ],
  },
  funnel: {
    ...RANGE,
    conversations: 400,
    stages: [
      { stage: 'prospecting', reached: 400, conversionRate: null },
      { stage: 'discovery', reached: 352, conversionRate: 0.88 },
      { stage: 'qualification', reached: 281, conversionRate: 0.7983 },
      { stage: 'proposal', reached: 190, conversionRate: 0.6762 },
      { stage: 'negotiation', reached: 118, conversionRate: 0.6211 },
      { stage: 'closed_won', reached: 52, conversionRate: 0.4407 },
    ],
    closedLost: { reached: 47, rate: 0.1175 },
  },
  sentiment: {
    ...RANGE,
    bucket: 'week',
    points: [
      {
        bucketStart: '2025-02-24',
        analyses: 212,
        averageScore: 0.1843,
        positive: 88,
        neutral: 97,
        negative: 27,
      },
      {
        bucketStart: '2025-03-03',
        analyses: 640,
        averageScore: 0.2011,
        positive: 281,
        neutral: 280,
        negative: 79,
      },
    ],
  },
  reps: {
    ...RANGE,
    bucket: 'month',
    rows: [
      {
        repId: 'rep-07',
        bucketStart: '2025-03-01',
        conversations: 31,
        stageAdvances: 58,
        objections: { met: 14, handled: 9, handledRate: 0.6429 },
        satisfaction: { ratings: 9, averageRating: 4.1111, thumbsUp: 8, thumbsDown: 2, thumbsUpShare: 0.8 },
        assist: {
          suggestions: 62,
          accepted: 27,
          edited: 15,
          acceptanceRate: 0.6774,
          acceptedAsIsRate: 0.4355,
        },
        talk: { repWords: 2140, totalWords: 5012, talkRatio: 0.427 },
      },
    ],
  },
} as const;
