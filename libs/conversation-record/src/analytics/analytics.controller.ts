import { BadRequestException, Controller, Get, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import { TenantIdParam } from '../reading/conversation-view.schema';
import { AnalyticsReader, InvalidSearchCursorError } from './analytics-reader.service';
import {
  AnalyticsRangeQuery,
  ConversationSearchQuery,
  RepProgressQuery,
  SentimentTrendQuery,
  type ConversationSearchResult,
  type IntentFrequencies,
  type ObjectionFrequencies,
  type RepProgress,
  type SentimentTrend,
  type StageFunnel,
} from './analytics.schema';

/** Base path of the internal analytics API (reached by the gateway on the service network only). */
export const ANALYTICS_PATH = 'internal/v1/tenants/:tenantId/analytics';

/** 400 `{title, status, detail}` naming each offending parameter, like the record's read API. */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((issue) => {
      const keys = (issue as { keys?: string[] }).keys;
      const field = issue.path.length ? issue.path.join('.') : keys?.length ? keys.join(', ') : '(root)';
      return `${field}: ${issue.message}`;
    })
    .join('; ');
  throw new BadRequestException({ title: 'Bad Request', status: 400, detail });
}

/** The internal analytics and search API over the conversation record, per tenant. */
@Controller(ANALYTICS_PATH)
export class AnalyticsController {
  constructor(private readonly reader: AnalyticsReader) {}

  @Get('conversations')
  async search(
    @Param('tenantId') tenantId: string,
    @Query() query: unknown,
  ): Promise<ConversationSearchResult> {
    const tenant = parse(TenantIdParam, tenantId);
    try {
      return await this.reader.searchConversations(tenant, parse(ConversationSearchQuery, query));
    } catch (error) {
      if (error instanceof InvalidSearchCursorError) {
        throw new BadRequestException({ title: 'Bad Request', status: 400, detail: error.message });
      }
      throw error;
    }
  }

  @Get('intents')
  intents(@Param('tenantId') tenantId: string, @Query() query: unknown): Promise<IntentFrequencies> {
    return this.reader.intents(parse(TenantIdParam, tenantId), parse(AnalyticsRangeQuery, query));
  }

  @Get('objections')
  objections(@Param('tenantId') tenantId: string, @Query() query: unknown): Promise<ObjectionFrequencies> {
    return this.reader.objections(parse(TenantIdParam, tenantId), parse(AnalyticsRangeQuery, query));
  }

  @Get('funnel')
  funnel(@Param('tenantId') tenantId: string, @Query() query: unknown): Promise<StageFunnel> {
    return this.reader.funnel(parse(TenantIdParam, tenantId), parse(AnalyticsRangeQuery, query));
  }

  @Get('sentiment')
  sentiment(@Param('tenantId') tenantId: string, @Query() query: unknown): Promise<SentimentTrend> {
    return this.reader.sentiment(parse(TenantIdParam, tenantId), parse(SentimentTrendQuery, query));
  }

  @Get('reps')
  reps(@Param('tenantId') tenantId: string, @Query() query: unknown): Promise<RepProgress> {
    return this.reader.reps(parse(TenantIdParam, tenantId), parse(RepProgressQuery, query));
  }
}
