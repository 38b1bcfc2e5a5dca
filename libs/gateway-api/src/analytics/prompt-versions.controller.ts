import { applyDecorators, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminGuard, ApiKeyGuard, CurrentTenant, type AuthenticatedTenant } from '@lib/access';
import {
  DEFAULT_RANGE_DAYS,
  MAX_RANGE_DAYS,
  PromptVersionComparison,
  PromptVersionsAllTenantsQuery,
  PromptVersionsQuery,
} from '@lib/conversation-record';
import { apiSchemas } from '../http/api-schemas';
import { ApiProblemResponses, schemaRef } from '../http/openapi-decorators';
import { AnalyticsProxy, AnalyticsQueryPipe } from './analytics.service';

apiSchemas.add(PromptVersionComparison, { id: 'PromptVersionComparison' });

/** The example of `GET /v1/analytics/prompt-versions` in the OpenAPI document (a test parses it). */
export const PROMPT_VERSIONS_EXAMPLE: PromptVersionComparison = {
  from: '2025-03-01T00:00:00.000Z',
  to: '2025-03-31T00:00:00.000Z',
  model: null,
  items: [
    {
      promptVersion: 'sales-assistant-v1',
      model: 'claude-sonnet-4-5',
      replies: 1840,
      quality: {
        evaluated: 1832,
        groundedness: 0.9123,
        groundedShare: 0.9411,
        citationValidity: 0.9876,
        policyFlags: 14,
      },
      satisfaction: {
        feedback: 212,
        turnFeedback: 180,
        conversationFeedback: 32,
        ratings: 150,
        averageRating: 4.21,
        thumbsUp: 160,
        thumbsDown: 24,
        thumbsUpShare: 0.8696,
      },
      latency: { measured: 1840, p50Ms: 2140, p95Ms: 5870 },
      usage: {
        inputTokensPerTurn: 3120.5,
        outputTokensPerTurn: 240.25,
        tokensPerTurn: 3360.75,
        costed: 1840,
        costPerTurnUsd: 0.012964,
      },
    },
    {
      promptVersion: 'sales-assistant-v2',
      model: 'claude-sonnet-4-5',
      replies: 410,
      quality: {
        evaluated: 410,
        groundedness: 0.9345,
        groundedShare: 0.961,
        citationValidity: 0.9902,
        policyFlags: 2,
      },
      satisfaction: {
        feedback: 51,
        turnFeedback: 44,
        conversationFeedback: 7,
        ratings: 38,
        averageRating: 4.4211,
        thumbsUp: 41,
        thumbsDown: 4,
        thumbsUpShare: 0.9111,
      },
      latency: { measured: 410, p50Ms: 2310, p95Ms: 6020 },
      usage: {
        inputTokensPerTurn: 3390,
        outputTokensPerTurn: 251.5,
        tokensPerTurn: 3641.5,
        costed: 410,
        costPerTurnUsd: 0.013943,
      },
    },
  ],
};

const COMPARISON_PARAMS = applyDecorators(
  ApiQuery({
    name: 'from',
    required: false,
    description: `Replies generated at or after. Default: \`to\` - ${DEFAULT_RANGE_DAYS} days; at most ${MAX_RANGE_DAYS} days before \`to\``,
    schema: { type: 'string', example: '2025-03-01' },
  }),
  ApiQuery({
    name: 'to',
    required: false,
    description: 'Replies generated before. Default: now',
    schema: { type: 'string', example: '2025-03-31' },
  }),
  ApiQuery({
    name: 'model',
    required: false,
    description: "Only replies of this model (the model's name)",
    schema: { type: 'string', example: 'claude-sonnet-4-5' },
  }),
);

const COMPARISON_RESPONSE = ApiResponse({
  status: 200,
  description: 'The comparison',
  content: {
    'application/json': { schema: schemaRef('PromptVersionComparison'), example: PROMPT_VERSIONS_EXAMPLE },
  },
});

/** `GET /v1/analytics/prompt-versions`: prompt versions compared side by side, for the tenant of the key. */
@ApiTags('analytics')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(400, 401, 500, 503)
@UseGuards(ApiKeyGuard)
@Controller('v1/analytics')
export class PromptVersionsApiController {
  constructor(private readonly analytics: AnalyticsProxy) {}

  @Get('prompt-versions')
  @ApiOperation({
    summary: 'Prompt versions compared side by side',
    description:
      'Per prompt version and model of the replies generated in the range: replies; quality from the latest ' +
      'evaluation of each reply (average groundedness, grounded share, average citation validity, policy ' +
      'flags raised, null when not recorded); satisfaction (feedback on the replies’ turns plus feedback on ' +
      'whole conversations in which the version replied in the range, counted once for each version and ' +
      'model that replied there: average rating, thumbs-up share); latency p50/p95 (turn received → reply, ' +
      'ms); tokens and cost per turn (averages). Tenant from the API key. The range is half-open, [from, to). ' +
      'Rates and averages have 4 decimals (cost 6) and are null when there is nothing to divide by.',
  })
  @COMPARISON_PARAMS
  @COMPARISON_RESPONSE
  compare(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new AnalyticsQueryPipe(PromptVersionsQuery)) query: PromptVersionsQuery,
  ): Promise<PromptVersionComparison> {
    return this.analytics.promptVersions(tenant, query);
  }
}

/** `GET /admin/v1/analytics/prompt-versions`: across tenants, added up or per tenant (admin key). */
@ApiTags('admin')
@ApiBearerAuth('adminKey')
@ApiProblemResponses(400, 401, 403, 500, 503)
@UseGuards(AdminGuard)
@Controller('admin/v1/analytics')
export class PromptVersionsAdminController {
  constructor(private readonly analytics: AnalyticsProxy) {}

  @Get('prompt-versions')
  @ApiOperation({
    summary: 'Prompt versions compared side by side, across tenants',
    description:
      'As `GET /v1/analytics/prompt-versions`, over every tenant: the tenants added up, or with ' +
      '`byTenant=true` one row per tenant, prompt version and model (each row with its `tenantId`; ' +
      'sorted by tenant first). Needs the admin key.',
  })
  @COMPARISON_PARAMS
  @ApiQuery({ name: 'byTenant', required: false, schema: { type: 'boolean', default: false } })
  @COMPARISON_RESPONSE
  compare(
    @Query(new AnalyticsQueryPipe(PromptVersionsAllTenantsQuery)) query: PromptVersionsAllTenantsQuery,
  ): Promise<PromptVersionComparison> {
    return this.analytics.promptVersionsAllTenants(query);
  }
}
