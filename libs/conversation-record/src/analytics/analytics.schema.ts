import { z } from 'zod';
import { ConversationMode, DealStage, Id } from '@lib/contracts';
import { ConversationSummary } from '../reading/conversation-view.schema';

/**
 * The analytics and search API of the record (`/internal/v1/tenants/:tenantId/analytics/...`): query
 * parameters and responses, shared by the internal controller, its client and the gateway (validation and
 * OpenAPI), so the three cannot drift apart.
 *
 * Time ranges are half-open, `[from, to)`. A parameter is an ISO 8601 date (`2025-03-01`, midnight UTC) or
 * date-time with an offset. Rates and averages are rounded to 4 decimals (half away from zero) and are `null`
 * when their denominator is 0.
 */

/** The funnel's stages, in order (closed_lost is reported apart). */
export const FUNNEL_STAGES = [
  'prospecting',
  'discovery',
  'qualification',
  'proposal',
  'negotiation',
  'closed_won',
] as const satisfies readonly DealStage[];
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

export const ObjectionType = z.enum(['price', 'timing', 'competitor', 'authority', 'need', 'trust', 'other']);
export type ObjectionType = z.infer<typeof ObjectionType>;

export const SentimentLabel = z.enum(['positive', 'neutral', 'negative']);
export type SentimentLabel = z.infer<typeof SentimentLabel>;

/** Default length of an analytics range when `from` is not given. */
export const DEFAULT_RANGE_DAYS = 30;
/** Longest analytics range: a year (and a leap day). */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const dateOnly = z.iso.date();
const dateTime = z.iso.datetime({ offset: true });

/** `2025-03-01` (midnight UTC) or `2025-03-01T09:30:00Z` / `...+02:00`, as a Date. */
export const TimeParam = z
  .string()
  .refine(
    (value) => dateOnly.safeParse(value).success || dateTime.safeParse(value).success,
    'expected an ISO 8601 date (2025-03-01) or date-time with offset (2025-03-01T09:30:00Z)',
  )
  .transform((value) => new Date(DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value));

export const RepIdParam = z.string().trim().min(1).max(128);

function checkRange(
  range: { from?: Date; to?: Date },
  ctx: z.RefinementCtx,
  maxDays: number | undefined,
): void {
  if (range.from && range.to && range.from.getTime() >= range.to.getTime()) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before `to`' });
  } else if (range.from && range.to && maxDays !== undefined) {
    if (range.to.getTime() - range.from.getTime() > maxDays * DAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `the range may span at most ${maxDays} days` });
    }
  }
}

/** Fills a missing bound: `to` defaults to now (or `from` + 30 days), `from` to `to` - 30 days. */
function withDefaults<T extends { from?: Date; to?: Date }>(query: T): T & { from: Date; to: Date } {
  const to =
    query.to ??
    (query.from ? new Date(query.from.getTime() + DEFAULT_RANGE_DAYS * DAY_MS) : new Date(Date.now()));
  const from = query.from ?? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  return { ...query, from, to };
}

const rangeShape = {
  from: TimeParam.optional().describe('Start of the range (inclusive). Default: `to` - 30 days'),
  to: TimeParam.optional().describe('End of the range (exclusive). Default: now'),
  repId: RepIdParam.optional().describe("Only this rep's conversations"),
};

const checkAnalyticsRange = (query: { from: Date; to: Date }, ctx: z.RefinementCtx): void =>
  checkRange(query, ctx, MAX_RANGE_DAYS);

/** `GET .../analytics/intents|objections|funnel?from=&to=&repId=` */
export const AnalyticsRangeQuery = z
  .strictObject(rangeShape)
  .transform(withDefaults)
  .superRefine(checkAnalyticsRange);
export type AnalyticsRangeQuery = z.output<typeof AnalyticsRangeQuery>;

export const SentimentBucket = z.enum(['day', 'week']);
export type SentimentBucket = z.infer<typeof SentimentBucket>;
export const RepBucket = z.enum(['day', 'week', 'month']);
export type RepBucket = z.infer<typeof RepBucket>;

/** `GET .../analytics/sentiment?from=&to=&repId=&bucket=day|week` */
export const SentimentTrendQuery = z
  .strictObject({
    ...rangeShape,
    bucket: SentimentBucket.default('day').describe('Bucket width (UTC days; weeks start on Monday)'),
  })
  .transform(withDefaults)
  .superRefine(checkAnalyticsRange);
export type SentimentTrendQuery = z.output<typeof SentimentTrendQuery>;

/** `GET .../analytics/reps?from=&to=&repId=&bucket=day|week|month` */
export const RepProgressQuery = z
  .strictObject({
    ...rangeShape,
    bucket: RepBucket.default('week').describe('Period of a row (UTC; weeks start on Monday)'),
  })
  .transform(withDefaults)
  .superRefine(checkAnalyticsRange);
export type RepProgressQuery = z.output<typeof RepProgressQuery>;

export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 100;

/** `GET .../analytics/conversations?...`: conversation search, newest first. */
export const ConversationSearchQuery = z
  .strictObject({
    stage: DealStage.optional().describe('Current deal stage of the conversation'),
    intent: z.string().trim().min(1).max(64).optional().describe('An analysed prospect turn has this intent'),
    objection: ObjectionType.optional().describe(
      'An analysed prospect turn raised an objection of this type',
    ),
    sentiment: SentimentLabel.optional().describe(
      'An analysed prospect turn (any, not only the latest) has this label',
    ),
    repId: RepIdParam.optional(),
    mode: ConversationMode.optional(),
    from: TimeParam.optional().describe('Started at or after'),
    to: TimeParam.optional().describe('Started before'),
    q: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe(
        'Full-text search over the (redacted) turn texts, web-search syntax: "exact phrase", or, -not',
      ),
    limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(SEARCH_DEFAULT_LIMIT),
    cursor: z.string().min(1).max(300).optional().describe('`nextCursor` of the previous page'),
  })
  .superRefine((query, ctx) => checkRange(query, ctx, undefined));
export type ConversationSearchQuery = z.output<typeof ConversationSearchQuery>;

// ---- responses ----

const Rate = z.number().min(0).max(1).nullable();
const Count = z.int().nonnegative();
const DateString = z.iso.date();

const RangeEcho = {
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  repId: z.string().nullable().describe('The rep filter, null for all reps'),
};

export const ConversationSearchItem = ConversationSummary.extend({
  match: z
    .object({
      turnId: Id,
      sequence: z.int().positive(),
      snippet: z.string().describe('Redacted text around the match; matched words between « and »'),
    })
    .optional()
    .describe('With `q`: the first matching turn'),
});
export type ConversationSearchItem = z.infer<typeof ConversationSearchItem>;

export const ConversationSearchResult = z.object({
  items: z.array(ConversationSearchItem).describe('Newest first (by start time, then id)'),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});
export type ConversationSearchResult = z.infer<typeof ConversationSearchResult>;

export const IntentFrequencies = z.object({
  ...RangeEcho,
  totalMentions: Count.describe(
    "Intents of the prospect's turns analysed in the range (rep turns are not counted)",
  ),
  items: z.array(
    z.object({
      intent: z.string(),
      count: Count.describe('Analysed prospect turns with this intent'),
      conversations: Count.describe('Distinct conversations'),
      share: Rate.describe('count / totalMentions'),
    }),
  ),
});
export type IntentFrequencies = z.infer<typeof IntentFrequencies>;

export const ObjectionFrequencies = z.object({
  ...RangeEcho,
  total: Count,
  handled: Count,
  items: z.array(
    z.object({
      type: ObjectionType,
      count: Count,
      handled: Count.describe('Objections the conversation went on to handle'),
      handledRate: Rate,
    }),
  ),
});
export type ObjectionFrequencies = z.infer<typeof ObjectionFrequencies>;

export const StageFunnel = z.object({
  ...RangeEcho,
  conversations: Count.describe('Conversations started in the range'),
  stages: z.array(
    z.object({
      stage: z.enum(FUNNEL_STAGES),
      reached: Count.describe(
        'Conversations whose current stage, or a stage they moved to, is this one or later',
      ),
      conversionRate: Rate.describe('reached / reached of the previous stage (null for the first stage)'),
    }),
  ),
  closedLost: z.object({ reached: Count, rate: Rate.describe('reached / conversations') }),
});
export type StageFunnel = z.infer<typeof StageFunnel>;

export const SentimentTrend = z.object({
  ...RangeEcho,
  bucket: SentimentBucket,
  points: z
    .array(
      z.object({
        bucketStart: DateString.describe('First day of the bucket (UTC)'),
        analyses: Count,
        averageScore: z.number().min(-1).max(1),
        positive: Count,
        neutral: Count,
        negative: Count,
      }),
    )
    .describe('Buckets with at least one analysis, oldest first'),
});
export type SentimentTrend = z.infer<typeof SentimentTrend>;

export const RepProgressRow = z.object({
  repId: z.string().nullable().describe('null: conversations without a rep'),
  bucketStart: DateString,
  conversations: Count.describe('Conversations started in the period'),
  stageAdvances: Count.describe('Transitions of those conversations to a later funnel stage'),
  objections: z.object({ met: Count, handled: Count, handledRate: Rate }),
  satisfaction: z.object({
    ratings: Count,
    averageRating: z.number().min(1).max(5).nullable(),
    thumbsUp: Count,
    thumbsDown: Count,
    thumbsUpShare: Rate,
  }),
  assist: z.object({
    suggestions: Count.describe('AI suggestions generated (assist mode)'),
    accepted: Count.describe('Rep turns that sent a suggestion as is'),
    edited: Count.describe('Rep turns that sent an edited suggestion'),
    acceptanceRate: z.number().min(0).nullable().describe('(accepted + edited) / suggestions'),
    acceptedAsIsRate: z.number().min(0).nullable().describe('accepted / suggestions'),
  }),
  talk: z.object({
    repWords: Count,
    totalWords: Count,
    talkRatio: Rate.describe('Rep words / all words, in assist-mode conversations'),
  }),
});
export type RepProgressRow = z.infer<typeof RepProgressRow>;

export const RepProgress = z.object({
  ...RangeEcho,
  bucket: RepBucket,
  rows: z.array(RepProgressRow).describe('By period, then rep id (null last)'),
});
export type RepProgress = z.infer<typeof RepProgress>;
