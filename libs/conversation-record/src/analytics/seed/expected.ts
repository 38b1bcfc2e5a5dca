import type { DealStage } from '@lib/contracts';
import {
  FUNNEL_STAGES,
  type IntentFrequencies,
  type ObjectionFrequencies,
  type ObjectionType,
  type RepBucket,
  type RepProgress,
  type RepProgressRow,
  type SentimentBucket,
  type SentimentTrend,
  type StageFunnel,
} from '../analytics.schema';
import { averageOfMicros, byCodePoint, compareRepRows, ratio } from '../ratios';
import { DAY_MS, funnelRank, isStageAdvance, type SeedConversation } from './generator';

/** What one rep's conversations of one UTC day add up to (every fact of a seeded conversation is on its day). */
interface Cell {
  readonly tenantId: string;
  readonly day: number;
  readonly repId: string | null;
  conversations: number;
  intents: Map<string, { count: number; conversations: number }>;
  objections: Map<ObjectionType, { count: number; handled: number }>;
  reached: number[];
  closedLost: number;
  analyses: number;
  sentimentHundredths: number;
  positive: number;
  neutral: number;
  negative: number;
  stageAdvances: number;
  ratings: number;
  ratingSum: number;
  thumbsUp: number;
  thumbsDown: number;
  suggestions: number;
  accepted: number;
  edited: number;
  repWords: number;
  totalWords: number;
}

export interface ExpectedQuery {
  readonly from: Date;
  readonly to: Date;
  readonly repId?: string;
}

/** The tables a seeding writes. */
export const SEED_TABLES = [
  'conversations',
  'turns',
  'analyses',
  'analysis_intents',
  'analysis_entities',
  'analysis_objections',
  'stage_transitions',
  'replies',
  'evaluations',
  'feedback',
] as const;
export type SeedTable = (typeof SEED_TABLES)[number];

/** Totals of the rows a seeding wrote, per table. */
export type SeedRowCounts = Record<SeedTable, number>;

export const emptyRowCounts = (): SeedRowCounts =>
  Object.fromEntries(SEED_TABLES.map((table) => [table, 0])) as SeedRowCounts;

export function countRows(conversation: SeedConversation, into: SeedRowCounts): SeedRowCounts {
  into.conversations += 1;
  into.turns += conversation.turns.length;
  into.analyses += conversation.analyses.length;
  for (const a of conversation.analyses) {
    into.analysis_intents += a.intents.length;
    into.analysis_entities += a.entities.length;
    into.analysis_objections += a.objections.length;
  }
  into.stage_transitions += conversation.transitions.length;
  into.replies += conversation.replies.length;
  into.evaluations += conversation.evaluations.length;
  into.feedback += conversation.feedback.length;
  return into;
}

const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** First day of the bucket holding `day` (UTC; weeks start on Monday), as PostgreSQL's date_trunc. */
export function bucketStartDay(day: number, bucket: RepBucket): number {
  if (bucket === 'day') return day;
  const date = new Date(day * DAY_MS);
  if (bucket === 'week') return day - ((date.getUTCDay() + 6) % 7);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / DAY_MS;
}

/**
 * The answers the analytics API must give for a seeded dataset, accumulated while generating it (per tenant,
 * UTC day and rep, so 100,000 conversations need little memory). Queries take whole UTC days.
 */
export class ExpectedAnalytics {
  private readonly cells = new Map<string, Cell>();

  add(conversation: SeedConversation): void {
    const day = Math.floor(conversation.startedAt.getTime() / DAY_MS);
    const cell = this.cell(conversation.tenantId, day, conversation.repId);
    cell.conversations += 1;

    const intentsSeen = new Set<string>();
    // Intents, objections and sentiment are the prospect's: the analyses of the rep's turns do not count.
    const repTurns = new Set(conversation.turns.filter((t) => t.role === 'rep').map((t) => t.id));
    for (const analysis of conversation.analyses) {
      if (repTurns.has(analysis.turnId)) continue;
      cell.analyses += 1;
      cell.sentimentHundredths += analysis.sentimentHundredths;
      cell[analysis.sentimentLabel] += 1;
      for (const intent of analysis.intents) {
        const entry = cell.intents.get(intent.name) ?? { count: 0, conversations: 0 };
        entry.count += 1;
        if (!intentsSeen.has(intent.name)) entry.conversations += 1;
        intentsSeen.add(intent.name);
        cell.intents.set(intent.name, entry);
      }
      for (const objection of analysis.objections) {
        const entry = cell.objections.get(objection.type) ?? { count: 0, handled: 0 };
        entry.count += 1;
        if (objection.handled) entry.handled += 1;
        cell.objections.set(objection.type, entry);
      }
    }

    const stages: DealStage[] = [conversation.stage, ...conversation.transitions.map((t) => t.toStage)];
    const top = Math.max(-1, ...stages.map((s) => funnelRank(s) ?? -1));
    for (let rank = 0; rank <= top; rank++) cell.reached[rank] += 1;
    if (stages.includes('closed_lost')) cell.closedLost += 1;
    cell.stageAdvances += conversation.transitions.filter((t) =>
      isStageAdvance(t.fromStage, t.toStage),
    ).length;

    for (const f of conversation.feedback) {
      if (f.rating !== null) {
        cell.ratings += 1;
        cell.ratingSum += f.rating;
      }
      if (f.thumbs === 'up') cell.thumbsUp += 1;
      if (f.thumbs === 'down') cell.thumbsDown += 1;
    }
    cell.suggestions += conversation.replies.filter((r) => r.kind === 'suggestion').length;
    for (const turn of conversation.turns) {
      if (turn.suggestionDisposition === 'accepted') cell.accepted += 1;
      if (turn.suggestionDisposition === 'edited') cell.edited += 1;
      if (conversation.mode === 'assist') {
        cell.totalWords += turn.wordCount;
        if (turn.role === 'rep') cell.repWords += turn.wordCount;
      }
    }
  }

  intents(tenantId: string, query: ExpectedQuery): IntentFrequencies {
    const totals = new Map<string, { count: number; conversations: number }>();
    for (const cell of this.select(tenantId, query)) {
      for (const [name, entry] of cell.intents) {
        const total = totals.get(name) ?? { count: 0, conversations: 0 };
        total.count += entry.count;
        total.conversations += entry.conversations;
        totals.set(name, total);
      }
    }
    const totalMentions = [...totals.values()].reduce((sum, e) => sum + e.count, 0);
    const items = [...totals.entries()]
      .map(([intent, e]) => ({
        intent,
        count: e.count,
        conversations: e.conversations,
        share: ratio(e.count, totalMentions),
      }))
      .sort((a, b) => b.count - a.count || byCodePoint(a.intent, b.intent));
    return { ...echo(query), totalMentions, items };
  }

  objections(tenantId: string, query: ExpectedQuery): ObjectionFrequencies {
    const totals = new Map<ObjectionType, { count: number; handled: number }>();
    for (const cell of this.select(tenantId, query)) {
      for (const [type, entry] of cell.objections) {
        const total = totals.get(type) ?? { count: 0, handled: 0 };
        total.count += entry.count;
        total.handled += entry.handled;
        totals.set(type, total);
      }
    }
    const items = [...totals.entries()]
      .map(([type, e]) => ({
        type,
        count: e.count,
        handled: e.handled,
        handledRate: ratio(e.handled, e.count),
      }))
      .sort((a, b) => b.count - a.count || byCodePoint(a.type, b.type));
    return {
      ...echo(query),
      total: items.reduce((sum, i) => sum + i.count, 0),
      handled: items.reduce((sum, i) => sum + i.handled, 0),
      items,
    };
  }

  funnel(tenantId: string, query: ExpectedQuery): StageFunnel {
    const reached = FUNNEL_STAGES.map(() => 0);
    let conversations = 0;
    let closedLost = 0;
    for (const cell of this.select(tenantId, query)) {
      conversations += cell.conversations;
      closedLost += cell.closedLost;
      cell.reached.forEach((n, rank) => (reached[rank] += n));
    }
    return {
      ...echo(query),
      conversations,
      stages: FUNNEL_STAGES.map((stage, rank) => ({
        stage,
        reached: reached[rank],
        conversionRate: rank === 0 ? null : ratio(reached[rank], reached[rank - 1]),
      })),
      closedLost: { reached: closedLost, rate: ratio(closedLost, conversations) },
    };
  }

  sentiment(tenantId: string, query: ExpectedQuery, bucket: SentimentBucket): SentimentTrend {
    const points = new Map<
      number,
      { analyses: number; sum: number; positive: number; neutral: number; negative: number }
    >();
    for (const cell of this.select(tenantId, query)) {
      if (cell.analyses === 0) continue;
      const start = bucketStartDay(cell.day, bucket);
      const point = points.get(start) ?? { analyses: 0, sum: 0, positive: 0, neutral: 0, negative: 0 };
      point.analyses += cell.analyses;
      point.sum += cell.sentimentHundredths;
      point.positive += cell.positive;
      point.neutral += cell.neutral;
      point.negative += cell.negative;
      points.set(start, point);
    }
    return {
      ...echo(query),
      bucket,
      points: [...points.entries()]
        .sort(([a], [b]) => a - b)
        .map(([start, p]) => ({
          bucketStart: isoDay(start),
          analyses: p.analyses,
          averageScore: averageOfMicros(p.sum * 10_000, p.analyses) ?? 0,
          positive: p.positive,
          neutral: p.neutral,
          negative: p.negative,
        })),
    };
  }

  reps(tenantId: string, query: ExpectedQuery, bucket: RepBucket): RepProgress {
    const rows = new Map<string, { repId: string | null; start: number; cells: Cell[] }>();
    for (const cell of this.select(tenantId, query)) {
      const start = bucketStartDay(cell.day, bucket);
      const key = `${start}|${cell.repId ?? ''}`;
      const row = rows.get(key) ?? { repId: cell.repId, start, cells: [] };
      row.cells.push(cell);
      rows.set(key, row);
    }
    const sum = (cells: Cell[], field: keyof Cell): number =>
      cells.reduce((total, c) => total + (c[field] as number), 0);
    const result: RepProgressRow[] = [...rows.values()].map(({ repId, start, cells }) => {
      const met = cells.reduce((t, c) => t + [...c.objections.values()].reduce((s, o) => s + o.count, 0), 0);
      const handled = cells.reduce(
        (t, c) => t + [...c.objections.values()].reduce((s, o) => s + o.handled, 0),
        0,
      );
      const ratings = sum(cells, 'ratings');
      const thumbsUp = sum(cells, 'thumbsUp');
      const thumbsDown = sum(cells, 'thumbsDown');
      const suggestions = sum(cells, 'suggestions');
      const accepted = sum(cells, 'accepted');
      const edited = sum(cells, 'edited');
      const repWords = sum(cells, 'repWords');
      const totalWords = sum(cells, 'totalWords');
      return {
        repId,
        bucketStart: isoDay(start),
        conversations: sum(cells, 'conversations'),
        stageAdvances: sum(cells, 'stageAdvances'),
        objections: { met, handled, handledRate: ratio(handled, met) },
        satisfaction: {
          ratings,
          averageRating: ratio(sum(cells, 'ratingSum'), ratings),
          thumbsUp,
          thumbsDown,
          thumbsUpShare: ratio(thumbsUp, thumbsUp + thumbsDown),
        },
        assist: {
          suggestions,
          accepted,
          edited,
          acceptanceRate: ratio(accepted + edited, suggestions),
          acceptedAsIsRate: ratio(accepted, suggestions),
        },
        talk: { repWords, totalWords, talkRatio: ratio(repWords, totalWords) },
      };
    });
    return { ...echo(query), bucket, rows: result.sort(compareRepRows) };
  }

  private select(tenantId: string, query: ExpectedQuery): Cell[] {
    const from = wholeDay(query.from, 'from');
    const to = wholeDay(query.to, 'to');
    return [...this.cells.values()].filter(
      (c) =>
        c.tenantId === tenantId &&
        c.day >= from &&
        c.day < to &&
        (query.repId === undefined || c.repId === query.repId),
    );
  }

  private cell(tenantId: string, day: number, repId: string | null): Cell {
    const key = `${tenantId}|${day}|${repId ?? ''}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = {
        tenantId,
        day,
        repId,
        conversations: 0,
        intents: new Map(),
        objections: new Map(),
        reached: FUNNEL_STAGES.map(() => 0),
        closedLost: 0,
        analyses: 0,
        sentimentHundredths: 0,
        positive: 0,
        neutral: 0,
        negative: 0,
        stageAdvances: 0,
        ratings: 0,
        ratingSum: 0,
        thumbsUp: 0,
        thumbsDown: 0,
        suggestions: 0,
        accepted: 0,
        edited: 0,
        repWords: 0,
        totalWords: 0,
      };
      this.cells.set(key, cell);
    }
    return cell;
  }
}

function wholeDay(date: Date, name: string): number {
  if (date.getTime() % DAY_MS !== 0) throw new Error(`expected answers need whole UTC days: ${name}`);
  return date.getTime() / DAY_MS;
}

const echo = (query: ExpectedQuery) => ({
  from: query.from.toISOString(),
  to: query.to.toISOString(),
  repId: query.repId ?? null,
});
