import { Inject, Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import type { AuthenticatedTenant } from '@lib/access';
import {
  ConversationAnalyticsClient,
  type AnalyticsRangeQuery,
  type ConversationSearchQuery,
  type ConversationSearchResult,
  type IntentFrequencies,
  type ObjectionFrequencies,
  type PromptVersionComparison,
  type PromptVersionsAllTenantsQuery,
  type PromptVersionsQuery,
  type RepProgress,
  type RepProgressQuery,
  type SentimentTrend,
  type SentimentTrendQuery,
  type StageFunnel,
} from '@lib/conversation-record';
import { InternalApiProxy } from '../http/internal-api-proxy';
import { RequestValidationError, type FieldError } from '../http/problem';

/**
 * Validates a query string with one of persistence's query schemas: a 400 problem naming each parameter, an
 * unknown parameter by its own name (`?stages=` is a typo, not something to ignore).
 */
export class AnalyticsQueryPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    const errors: FieldError[] = parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: key, message: 'unknown parameter' }))
        : [{ field: issue.path.length ? issue.path.map(String).join('.') : 'query', message: issue.message }],
    );
    throw new RequestValidationError(errors);
  }
}

/**
 * Conversation search and analytics for the tenant of the API key, through persistence's internal analytics
 * API (persistence owns the record). A 400 from persistence (e.g. a cursor it did not issue) is the
 * client's 400; anything else is a 503.
 */
@Injectable()
export class AnalyticsProxy {
  private readonly api = new InternalApiProxy(
    AnalyticsProxy.name,
    'analytics API',
    'conversation analytics are unavailable, retry shortly',
  );

  constructor(@Inject(ConversationAnalyticsClient) private readonly client: ConversationAnalyticsClient) {}

  search(tenant: AuthenticatedTenant, query: ConversationSearchQuery): Promise<ConversationSearchResult> {
    return this.api.call(() => this.client.searchConversations(tenant.id, query));
  }

  intents(tenant: AuthenticatedTenant, query: AnalyticsRangeQuery): Promise<IntentFrequencies> {
    return this.api.call(() => this.client.intents(tenant.id, query));
  }

  objections(tenant: AuthenticatedTenant, query: AnalyticsRangeQuery): Promise<ObjectionFrequencies> {
    return this.api.call(() => this.client.objections(tenant.id, query));
  }

  funnel(tenant: AuthenticatedTenant, query: AnalyticsRangeQuery): Promise<StageFunnel> {
    return this.api.call(() => this.client.funnel(tenant.id, query));
  }

  sentiment(tenant: AuthenticatedTenant, query: SentimentTrendQuery): Promise<SentimentTrend> {
    return this.api.call(() => this.client.sentiment(tenant.id, query));
  }

  reps(tenant: AuthenticatedTenant, query: RepProgressQuery): Promise<RepProgress> {
    return this.api.call(() => this.client.reps(tenant.id, query));
  }

  promptVersions(tenant: AuthenticatedTenant, query: PromptVersionsQuery): Promise<PromptVersionComparison> {
    return this.api.call(() => this.client.promptVersions(tenant.id, query));
  }

  promptVersionsAllTenants(query: PromptVersionsAllTenantsQuery): Promise<PromptVersionComparison> {
    return this.api.call(() => this.client.promptVersionsAllTenants(query));
  }
}
