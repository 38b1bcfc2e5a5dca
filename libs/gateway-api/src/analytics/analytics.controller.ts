import { applyDecorators, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentTenant, type AuthenticatedTenant } from '@lib/access';
import { DealStage } from '@lib/contracts';
import {
  AnalyticsRangeQuery,
  ConversationSearchQuery,
  DEFAULT_RANGE_DAYS,
  MAX_RANGE_DAYS,
  ObjectionType,
  RepProgressQuery,
  SEARCH_DEFAULT_LIMIT,
  SEARCH_MAX_LIMIT,
  SentimentLabel,
  SentimentTrendQuery,
  type ConversationSearchResult,
  type IntentFrequencies,
  type ObjectionFrequencies,
  type RepProgress,
  type SentimentTrend,
  type StageFunnel,
} from '@lib/conversation-record';
import { ApiProblemResponses, schemaRef } from '../http/openapi-decorators';
import { ANALYTICS_EXAMPLES } from './analytics.schemas';
import { AnalyticsProxy, AnalyticsQueryPipe } from './analytics.service';

/** A 200 JSON response with its schema and an example. */
const ApiJsonExample = (description: string, schemaId: string, example: unknown): MethodDecorator =>
  ApiResponse({
    status: 200,
    description,
    content: { 'application/json': { schema: schemaRef(schemaId), example } },
  });

const TIME = {
  type: 'string',
  description: 'ISO 8601 date (midnight UTC) or date-time with offset',
} as const;

const RANGE_PARAMS = applyDecorators(
  ApiQuery({
    name: 'from',
    required: false,
    description: `Start of the range, inclusive. Default: \`to\` - ${DEFAULT_RANGE_DAYS} days. At most ${MAX_RANGE_DAYS} days before \`to\``,
    schema: { ...TIME, example: '2025-03-01' },
  }),
  ApiQuery({
    name: 'to',
    required: false,
    description: 'End of the range, exclusive. Default: now',
    schema: { ...TIME, example: '2025-03-31' },
  }),
  ApiQuery({
    name: 'repId',
    required: false,
    description: "Only this rep's conversations",
    schema: { type: 'string' },
  }),
);

const RANGE_NOTE =
  'Tenant from the API key. The range is half-open, [from, to). Rates and averages have 4 decimals and are ' +
  'null when there is nothing to divide by.';

/** `GET /v1/conversations`: search the tenant's conversations. */
@ApiTags('conversations')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(400, 401, 500, 503)
@UseGuards(ApiKeyGuard)
@Controller('v1')
export class ConversationSearchController {
  constructor(private readonly analytics: AnalyticsProxy) {}

  @Get('conversations')
  @ApiOperation({
    summary: 'Search conversations',
    description:
      'The tenant’s conversations, newest first (by start time), filtered by any combination of current deal ' +
      'stage, an analysed intent, an objection type, a sentiment label (of any analysed turn, not only the ' +
      'latest), rep, mode, start date and full text. `q` searches the redacted text of the turns (web-search ' +
      'syntax: words, "a phrase", or, -word; English stemming) and returns the first matching turn with a ' +
      'snippet, matched words between « and ». Keyset pagination: pass `nextCursor` as `cursor` for the next ' +
      'page; pages stay consistent while new conversations arrive.',
  })
  @ApiQuery({ name: 'stage', required: false, enum: DealStage.options, description: 'Current deal stage' })
  @ApiQuery({
    name: 'intent',
    required: false,
    description: 'An analysed prospect turn has this intent, e.g. pricing_inquiry',
  })
  @ApiQuery({
    name: 'objection',
    required: false,
    enum: ObjectionType.options,
    description: 'An objection type raised',
  })
  @ApiQuery({
    name: 'sentiment',
    required: false,
    enum: SentimentLabel.options,
    description: 'An analysed prospect turn has this sentiment label',
  })
  @ApiQuery({ name: 'repId', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'mode', required: false, enum: ['assist', 'autonomous'] })
  @ApiQuery({ name: 'from', required: false, description: 'Started at or after', schema: { ...TIME } })
  @ApiQuery({ name: 'to', required: false, description: 'Started before', schema: { ...TIME } })
  @ApiQuery({
    name: 'q',
    required: false,
    description: 'Full-text query (1..200 characters)',
    schema: { type: 'string', example: 'hipaa' },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: SEARCH_MAX_LIMIT, default: SEARCH_DEFAULT_LIMIT },
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: '`nextCursor` of the previous page',
    schema: { type: 'string' },
  })
  @ApiJsonExample('A page of conversations', 'ConversationSearchResult', ANALYTICS_EXAMPLES.conversations)
  search(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new AnalyticsQueryPipe(ConversationSearchQuery)) query: ConversationSearchQuery,
  ): Promise<ConversationSearchResult> {
    return this.analytics.search(tenant, query);
  }
}

/** `GET /v1/analytics/...`: what the tenant's conversations add up to. */
@ApiTags('analytics')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(400, 401, 500, 503)
@UseGuards(ApiKeyGuard)
@Controller('v1/analytics')
export class AnalyticsApiController {
  constructor(private readonly analytics: AnalyticsProxy) {}

  @Get('intents')
  @ApiOperation({
    summary: 'Intent frequencies',
    description:
      'Per intent: analysed turns with it (`count`, by analysis time), distinct conversations, and its share ' +
      `of all intent mentions. Most frequent first. ${RANGE_NOTE}`,
  })
  @RANGE_PARAMS
  @ApiJsonExample('Intent frequencies', 'IntentFrequencies', ANALYTICS_EXAMPLES.intents)
  intents(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new AnalyticsQueryPipe(AnalyticsRangeQuery)) query: AnalyticsRangeQuery,
  ): Promise<IntentFrequencies> {
    return this.analytics.intents(tenant, query);
  }

  @Get('objections')
  @ApiOperation({
    summary: 'Objection frequencies and handling',
    description:
      'Per objection type: objections raised in the range (by analysis time), how many were handled (a later ' +
      'prospect turn moved on or the deal advanced) and the handled rate. ' +
      RANGE_NOTE,
  })
  @RANGE_PARAMS
  @ApiJsonExample('Objection frequencies', 'ObjectionFrequencies', ANALYTICS_EXAMPLES.objections)
  objections(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new AnalyticsQueryPipe(AnalyticsRangeQuery)) query: AnalyticsRangeQuery,
  ): Promise<ObjectionFrequencies> {
    return this.analytics.objections(tenant, query);
  }

  @Get('funnel')
  @ApiOperation({
    summary: 'Stage funnel',
    description:
      'The conversations started in the range and how far they got: a conversation reached a stage when its ' +
      'current stage, or a stage it moved to, is that stage or a later one (prospecting → discovery → ' +
      'qualification → proposal → negotiation → closed_won), with the conversion rate from the previous ' +
      `stage; closed_lost apart. ${RANGE_NOTE}`,
  })
  @RANGE_PARAMS
  @ApiJsonExample('The funnel', 'StageFunnel', ANALYTICS_EXAMPLES.funnel)
  funnel(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new AnalyticsQueryPipe(AnalyticsRangeQuery)) query: AnalyticsRangeQuery,
  ): Promise<StageFunnel> {
    return this.analytics.funnel(tenant, query);
  }

  @Get('sentiment')
  @ApiOperation({
    summary: 'Sentiment trend',
    description:
      'Per UTC day or week (starting Monday; the first bucket may start before `from`): turns analysed, ' +
      'average sentiment score (-1..1) and the count of each label. Buckets without analyses are left out. ' +
      RANGE_NOTE,
  })
  @RANGE_PARAMS
  @ApiQuery({ name: 'bucket', required: false, enum: ['day', 'week'], schema: { default: 'day' } })
  @ApiJsonExample('The sentiment trend', 'SentimentTrend', ANALYTICS_EXAMPLES.sentiment)
  sentiment(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new AnalyticsQueryPipe(SentimentTrendQuery)) query: SentimentTrendQuery,
  ): Promise<SentimentTrend> {
    return this.analytics.sentiment(tenant, query);
  }

  @Get('reps')
  @ApiOperation({
    summary: 'Rep progress',
    description:
      'Per rep and period (UTC day, week starting Monday, or month) of the conversations they started: ' +
      'conversations, stage advances (transitions to a later funnel stage), objections met and handled, ' +
      'satisfaction (average rating, thumbs-up share), use of AI suggestions in assist mode (acceptance: sent ' +
      'as is or edited, per suggestion; accepted as is) and talk ratio (rep words / all words, assist mode). ' +
      `Conversations without a rep have repId null. ${RANGE_NOTE}`,
  })
  @RANGE_PARAMS
  @ApiQuery({ name: 'bucket', required: false, enum: ['day', 'week', 'month'], schema: { default: 'week' } })
  @ApiJsonExample('The rep table', 'RepProgress', ANALYTICS_EXAMPLES.reps)
  reps(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new AnalyticsQueryPipe(RepProgressQuery)) query: RepProgressQuery,
  ): Promise<RepProgress> {
    return this.analytics.reps(tenant, query);
  }
}
