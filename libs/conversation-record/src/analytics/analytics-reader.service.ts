import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import {
  FUNNEL_STAGES,
  type AnalyticsRangeQuery,
  type ConversationSearchItem,
  type ConversationSearchQuery,
  type ConversationSearchResult,
  type IntentFrequencies,
  type ObjectionFrequencies,
  type ObjectionType,
  type RepProgress,
  type RepProgressQuery,
  type RepProgressRow,
  type SentimentTrend,
  type SentimentTrendQuery,
  type StageFunnel,
} from './analytics.schema';
import { AnalyticsRepository, type RangeFilter, type SearchRow } from './analytics.repository';
import { averageOfMicros, byCodePoint, compareRepRows, ratio } from './ratios';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';

/** The search cursor is not one this API issued (bad request, names `cursor`). */
export class InvalidSearchCursorError extends Error {
  constructor() {
    super('cursor: not a cursor of this search (pass nextCursor of the previous page as is)');
    this.name = 'InvalidSearchCursorError';
  }
}

const range = (tenantId: string, query: AnalyticsRangeQuery): RangeFilter => ({
  tenantId,
  from: query.from,
  to: query.to,
  repId: query.repId,
});

const echo = (query: AnalyticsRangeQuery) => ({
  from: query.from.toISOString(),
  to: query.to.toISOString(),
  repId: query.repId ?? null,
});

function toSearchItem(row: SearchRow): ConversationSearchItem {
  const item: ConversationSearchItem = {
    id: row.id,
    tenantId: row.tenant_id,
    status: row.status,
    mode: row.mode,
    prospect: row.prospect,
    repId: row.rep_id,
    title: row.title,
    stage: row.stage,
    startedAt: row.started_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    turnCount: row.turn_count,
  };
  if (row.match_turn_id !== null && row.match_sequence !== null) {
    item.match = {
      turnId: row.match_turn_id,
      sequence: row.match_sequence,
      snippet: row.match_snippet ?? '',
    };
  }
  return item;
}

/**
 * Conversation search and analytics over the record. Each request reads in one read-only, repeatable-read
 * transaction (one snapshot), with JIT off (compiling costs more than these queries run).
 */
@Injectable()
export class AnalyticsReader {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repository: AnalyticsRepository,
  ) {}

  searchConversations(tenantId: string, query: ConversationSearchQuery): Promise<ConversationSearchResult> {
    const after = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor);
    if (query.cursor !== undefined && !after) return Promise.reject(new InvalidSearchCursorError());
    return this.read(async () => {
      const rows = await this.repository.searchConversations({
        tenantId,
        stage: query.stage,
        intent: query.intent,
        objection: query.objection,
        sentiment: query.sentiment,
        repId: query.repId,
        mode: query.mode,
        from: query.from,
        to: query.to,
        q: query.q,
        after,
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(toSearchItem),
        nextCursor:
          rows.length > query.limit && last
            ? encodeSearchCursor({ startedAt: last.cursor_at, id: last.id })
            : null,
      };
    });
  }

  intents(tenantId: string, query: AnalyticsRangeQuery): Promise<IntentFrequencies> {
    return this.read(async () => {
      const rows = await this.repository.intentCounts(range(tenantId, query));
      const totalMentions = rows.reduce((sum, r) => sum + r.count, 0);
      const items = rows
        .map((r) => ({
          intent: r.key,
          count: r.count,
          conversations: r.conversations,
          share: ratio(r.count, totalMentions),
        }))
        .sort((a, b) => b.count - a.count || byCodePoint(a.intent, b.intent));
      return { ...echo(query), totalMentions, items };
    });
  }

  objections(tenantId: string, query: AnalyticsRangeQuery): Promise<ObjectionFrequencies> {
    return this.read(async () => {
      const rows = await this.repository.objectionCounts(range(tenantId, query));
      const items = rows
        .map((r) => ({
          type: r.key as ObjectionType,
          count: r.count,
          handled: r.handled,
          handledRate: ratio(r.handled, r.count),
        }))
        .sort((a, b) => b.count - a.count || byCodePoint(a.type, b.type));
      return {
        ...echo(query),
        total: items.reduce((sum, i) => sum + i.count, 0),
        handled: items.reduce((sum, i) => sum + i.handled, 0),
        items,
      };
    });
  }

  funnel(tenantId: string, query: AnalyticsRangeQuery): Promise<StageFunnel> {
    return this.read(async () => {
      const row = await this.repository.funnel(range(tenantId, query));
      return {
        ...echo(query),
        conversations: row.conversations,
        stages: FUNNEL_STAGES.map((stage, rank) => ({
          stage,
          reached: row.reached[rank],
          conversionRate: rank === 0 ? null : ratio(row.reached[rank], row.reached[rank - 1]),
        })),
        closedLost: { reached: row.closed_lost, rate: ratio(row.closed_lost, row.conversations) },
      };
    });
  }

  sentiment(tenantId: string, query: SentimentTrendQuery): Promise<SentimentTrend> {
    return this.read(async () => {
      const rows = await this.repository.sentimentTrend(range(tenantId, query), query.bucket);
      return {
        ...echo(query),
        bucket: query.bucket,
        points: rows.map((r) => ({
          bucketStart: r.bucket,
          analyses: r.analyses,
          averageScore: averageOfMicros(Number(r.score_micros), r.analyses) ?? 0,
          positive: r.positive,
          neutral: r.neutral,
          negative: r.negative,
        })),
      };
    });
  }

  reps(tenantId: string, query: RepProgressQuery): Promise<RepProgress> {
    return this.read(async () => {
      const rows = await this.repository.repProgress(range(tenantId, query), query.bucket);
      const result: RepProgressRow[] = rows.map((r) => ({
        repId: r.rep_id,
        bucketStart: r.bucket,
        conversations: r.conversations,
        stageAdvances: r.stage_advances,
        objections: {
          met: r.objections_met,
          handled: r.objections_handled,
          handledRate: ratio(r.objections_handled, r.objections_met),
        },
        satisfaction: {
          ratings: r.ratings,
          averageRating: ratio(r.rating_sum, r.ratings),
          thumbsUp: r.thumbs_up,
          thumbsDown: r.thumbs_down,
          thumbsUpShare: ratio(r.thumbs_up, r.thumbs_up + r.thumbs_down),
        },
        assist: {
          suggestions: r.suggestions,
          accepted: r.accepted,
          edited: r.edited,
          acceptanceRate: ratio(r.accepted + r.edited, r.suggestions),
          acceptedAsIsRate: ratio(r.accepted, r.suggestions),
        },
        talk: {
          repWords: r.rep_words,
          totalWords: r.total_words,
          talkRatio: ratio(r.rep_words, r.total_words),
        },
      }));
      return { ...echo(query), bucket: query.bucket, rows: result.sort(compareRepRows) };
    });
  }

  private read<T>(work: () => Promise<T>): Promise<T> {
    if (this.uow.isActive) return work();
    return this.uow.run(async () => {
      await this.repository.tuneTransaction();
      return work();
    });
  }
}
