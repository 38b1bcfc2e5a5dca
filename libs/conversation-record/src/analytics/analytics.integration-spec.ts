import type { INestApplication } from '@nestjs/common';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { PERSISTENCE_DATABASE, PERSISTENCE_SCHEMA } from '../index';
import { startTestApp } from '../testing/test-app';
import { ConversationAnalyticsClient } from './analytics.client';
import {
  AnalyticsRangeQuery,
  ConversationSearchQuery,
  RepProgressQuery,
  SentimentTrendQuery,
  type ConversationSearchItem,
} from './analytics.schema';
import {
  DAY_MS,
  generateConversations,
  seedAnalytics,
  TenantHasDataError,
  type ExpectedAnalytics,
  type SeedConversation,
  type SeedOptions,
} from './seed';

/**
 * The analytics and search API on the real PostgreSQL, against the answers the seeder computes while it
 * generates the data: two tenants seeded with the generator, every endpoint through the internal HTTP API
 * (ConversationAnalyticsClient against the real module served by Nest).
 */
const UNTIL = new Date('2025-03-03T00:00:00Z'); // a Monday
const day = (n: number): Date => new Date(UNTIL.getTime() - n * DAY_MS);

const A: SeedOptions = {
  tenantId: 'tenant-a',
  conversations: 200,
  seed: 42,
  reps: 4,
  days: 21,
  until: UNTIL,
};
const B: SeedOptions = { tenantId: 'tenant-b', conversations: 100, seed: 7, reps: 3, days: 21, until: UNTIL };

describe('analytics API (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let app: INestApplication;
  let url: string;
  let client: ConversationAnalyticsClient;
  const expected = new Map<string, ExpectedAnalytics>();
  const data = new Map<string, SeedConversation[]>();

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    for (const options of [A, B]) {
      const outcome = await seedAnalytics(db.dataSource, options, { batchSize: 64 });
      if (outcome.status !== 'seeded') throw new Error('expected a fresh seeding');
      expected.set(options.tenantId, outcome.expected);
      data.set(options.tenantId, [...generateConversations(options)]);
    }
    ({ app, url } = await startTestApp(db.uow));
    client = new ConversationAnalyticsClient(url);
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const range = (from: Date, to: Date, repId?: string) =>
    AnalyticsRangeQuery.parse({ from: iso(from), to: iso(to), repId });
  const iso = (d: Date) => d.toISOString();

  /** Ranges that cover all, part, and one rep of each tenant's data. */
  const cases = (tenant: SeedOptions) => [
    { name: 'whole period', from: day(tenant.days), to: UNTIL, repId: undefined },
    { name: 'last 9 days', from: day(9), to: UNTIL, repId: undefined },
    { name: 'a week in the middle, one rep', from: day(15), to: day(8), repId: 'rep-02' },
    { name: 'a rep over the whole period', from: day(30), to: day(-5), repId: 'rep-01' },
  ];

  describe.each([A, B])('analytics of $tenantId equal the seeded answers', (tenant) => {
    const truth = () => expected.get(tenant.tenantId)!;

    it.each(cases(tenant))('intents, objections and funnel: $name', async ({ from, to, repId }) => {
      const query = range(from, to, repId);
      const target = { from, to, repId };
      const intents = await client.intents(tenant.tenantId, query);
      expect(intents).toEqual(truth().intents(tenant.tenantId, target));
      expect(intents.items.length).toBeGreaterThan(3);
      expect(await client.objections(tenant.tenantId, query)).toEqual(
        truth().objections(tenant.tenantId, target),
      );
      const funnel = await client.funnel(tenant.tenantId, query);
      expect(funnel).toEqual(truth().funnel(tenant.tenantId, target));
      expect(funnel.conversations).toBeGreaterThan(0);
    });

    it.each(cases(tenant))('sentiment per day and per week: $name', async ({ from, to, repId }) => {
      for (const bucket of ['day', 'week'] as const) {
        const query = SentimentTrendQuery.parse({ from: iso(from), to: iso(to), repId, bucket });
        const trend = await client.sentiment(tenant.tenantId, query);
        expect(trend).toEqual(truth().sentiment(tenant.tenantId, { from, to, repId }, bucket));
        expect(trend.points.length).toBeGreaterThan(0);
      }
    });

    it.each(cases(tenant))('rep table per day, week and month: $name', async ({ from, to, repId }) => {
      for (const bucket of ['day', 'week', 'month'] as const) {
        const query = RepProgressQuery.parse({ from: iso(from), to: iso(to), repId, bucket });
        const table = await client.reps(tenant.tenantId, query);
        expect(table).toEqual(truth().reps(tenant.tenantId, { from, to, repId }, bucket));
        expect(table.rows.length).toBeGreaterThan(0);
      }
    });
  });

  it('the seeded data exercises what the analytics count', () => {
    const all = expected.get(A.tenantId)!;
    const whole = { from: day(A.days), to: UNTIL };
    const funnel = all.funnel(A.tenantId, whole);
    expect(funnel.stages.every((s) => s.reached > 0)).toBe(true);
    expect(funnel.closedLost.reached).toBeGreaterThan(0);
    const objections = all.objections(A.tenantId, whole);
    expect(objections.handled).toBeGreaterThan(0);
    expect(objections.handled).toBeLessThan(objections.total);
    const reps = all.reps(A.tenantId, whole, 'month').rows;
    expect(reps.some((r) => r.repId === null)).toBe(true);
    const total = (pick: (r: (typeof reps)[number]) => number) => reps.reduce((sum, r) => sum + pick(r), 0);
    expect(total((r) => r.stageAdvances)).toBeGreaterThan(0);
    expect(total((r) => r.assist.accepted)).toBeGreaterThan(0);
    expect(total((r) => r.assist.edited)).toBeGreaterThan(0);
    expect(total((r) => r.satisfaction.ratings)).toBeGreaterThan(0);
    expect(total((r) => r.satisfaction.thumbsDown)).toBeGreaterThan(0);
    expect(total((r) => r.talk.repWords)).toBeGreaterThan(0);
  });

  it('a tenant without data gets empty analytics, never another tenant’s', async () => {
    const query = range(day(30), UNTIL);
    expect((await client.intents('tenant-none', query)).items).toEqual([]);
    expect((await client.objections('tenant-none', query)).total).toBe(0);
    expect((await client.funnel('tenant-none', query)).stages.map((s) => s.reached)).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
    expect((await client.sentiment('tenant-none', SentimentTrendQuery.parse({}))).points).toEqual([]);
    expect((await client.reps('tenant-none', RepProgressQuery.parse({ from: iso(day(30)) }))).rows).toEqual(
      [],
    );
  });

  describe('conversation search', () => {
    const search = (tenantId: string, query: Record<string, string | number>) =>
      client.searchConversations(tenantId, ConversationSearchQuery.parse({ limit: 100, ...query }));

    /** Every page of a search. */
    const searchAll = async (tenantId: string, query: Record<string, string | number>) => {
      const items: ConversationSearchItem[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await search(tenantId, { ...query, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        if (!page.nextCursor) return items;
        cursor = page.nextCursor;
      }
      throw new Error('too many pages');
    };

    /** Expected ids, newest first (start time, then id, as PostgreSQL orders uuids). */
    const newestFirst = (conversations: SeedConversation[]): string[] =>
      [...conversations]
        .sort(
          (a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
        )
        .map((c) => c.id);

    const ids = (items: ConversationSearchItem[]) => items.map((i) => i.id);
    const conversationsOf = (tenant: SeedOptions) => data.get(tenant.tenantId)!;
    const mentions = (c: SeedConversation, word: RegExp) => c.turns.some((t) => word.test(t.redactedText));
    /** The analyses of the prospect's turns: the filters (like the statistics) leave the rep's turns out. */
    const prospectAnalyses = (c: SeedConversation) =>
      c.analyses.filter((a) => c.turns.find((t) => t.id === a.turnId)?.role === 'prospect');

    it('pages through everything once, newest first, with no duplicates', async () => {
      const items = await searchAll(A.tenantId, { limit: 7 });
      expect(ids(items)).toEqual(newestFirst(conversationsOf(A)));
      expect(new Set(ids(items)).size).toBe(A.conversations);
      const first = items[0];
      const seeded = conversationsOf(A).find((c) => c.id === first.id)!;
      expect(first).toMatchObject({
        tenantId: A.tenantId,
        status: 'active',
        mode: seeded.mode,
        repId: seeded.repId,
        stage: seeded.stage,
        turnCount: seeded.turns.length,
        startedAt: seeded.startedAt.toISOString(),
        updatedAt: seeded.updatedAt.toISOString(),
      });
      expect(first.match).toBeUndefined();
    });

    it.each([
      ['stage', { stage: 'proposal' }, (c: SeedConversation) => c.stage === 'proposal'],
      ['stage closed_lost', { stage: 'closed_lost' }, (c: SeedConversation) => c.stage === 'closed_lost'],
      [
        'intent',
        { intent: 'security_compliance' },
        (c: SeedConversation) =>
          prospectAnalyses(c).some((a) => a.intents.some((i) => i.name === 'security_compliance')),
      ],
      [
        'objection',
        { objection: 'competitor' },
        (c: SeedConversation) =>
          prospectAnalyses(c).some((a) => a.objections.some((o) => o.type === 'competitor')),
      ],
      [
        'sentiment (of any analysed prospect turn)',
        { sentiment: 'negative' },
        (c: SeedConversation) => prospectAnalyses(c).some((a) => a.sentimentLabel === 'negative'),
      ],
      ['rep', { repId: 'rep-03' }, (c: SeedConversation) => c.repId === 'rep-03'],
      ['mode', { mode: 'autonomous' }, (c: SeedConversation) => c.mode === 'autonomous'],
      [
        'dates',
        { from: '2025-02-20', to: '2025-02-24T12:00:00Z' },
        (c: SeedConversation) =>
          c.startedAt >= new Date('2025-02-20T00:00:00Z') && c.startedAt < new Date('2025-02-24T12:00:00Z'),
      ],
      ['text', { q: 'Mixpanel' }, (c: SeedConversation) => mentions(c, /\bmixpanel\b/i)],
      ['text (case-insensitive)', { q: 'hipaa' }, (c: SeedConversation) => mentions(c, /\bhipaa\b/i)],
      [
        'everything at once',
        {
          repId: 'rep-01',
          intent: 'pricing_inquiry',
          sentiment: 'positive',
          mode: 'assist',
          from: '2025-02-12',
        },
        (c: SeedConversation) =>
          c.repId === 'rep-01' &&
          c.mode === 'assist' &&
          c.startedAt >= new Date('2025-02-12T00:00:00Z') &&
          prospectAnalyses(c).some((a) => a.intents.some((i) => i.name === 'pricing_inquiry')) &&
          prospectAnalyses(c).some((a) => a.sentimentLabel === 'positive'),
      ],
    ])('filters by %s', async (_, query, predicate) => {
      for (const tenant of [A, B]) {
        const want = newestFirst(conversationsOf(tenant).filter(predicate));
        const got = ids(await searchAll(tenant.tenantId, { ...query, limit: 9 }));
        expect(got).toEqual(want);
      }
      expect(conversationsOf(A).filter(predicate).length).toBeGreaterThan(0);
    });

    it('text search shows the matched words of the first matching (redacted) turn', async () => {
      const page = await search(A.tenantId, { q: 'Mixpanel', limit: 5 });
      expect(page.items.length).toBeGreaterThan(0);
      for (const item of page.items) {
        const seeded = conversationsOf(A).find((c) => c.id === item.id)!;
        const turn = seeded.turns.find((t) => /\bmixpanel\b/i.test(t.redactedText))!;
        expect(item.match).toEqual({ turnId: turn.id, sequence: turn.sequence, snippet: expect.any(String) });
        expect(item.match?.snippet).toContain('«Mixpanel»');
      }
    });

    it('searches the redacted text only: personal data that was redacted is not found', async () => {
      const withEmail = conversationsOf(A).find((c) => c.turns.some((t) => t.text.includes('@')))!;
      const email = withEmail.turns.find((t) => t.text.includes('@'))!.text.match(/\S+@\S+\b/)![0];
      expect((await search(A.tenantId, { q: email })).items).toEqual([]);
      expect((await search(A.tenantId, { q: '"reach me at"' })).items.length).toBeGreaterThan(0);
    });

    it('never returns another tenant’s conversations, also through text search', async () => {
      const aIds = new Set(conversationsOf(A).map((c) => c.id));
      // A word only tenant A's record holds.
      await db.dataSource.query(
        `UPDATE "${PERSISTENCE_SCHEMA}"."turns" SET "redacted_text" = "redacted_text" || ' zebracorn'
         WHERE "id" = $1`,
        [conversationsOf(A)[0].turns[0].id],
      );
      expect(ids((await search(A.tenantId, { q: 'zebracorn' })).items)).toEqual([conversationsOf(A)[0].id]);
      expect((await search(B.tenantId, { q: 'zebracorn' })).items).toEqual([]);
      const queries: Record<string, string>[] = [
        {},
        { q: 'Mixpanel' },
        { stage: 'proposal' },
        { intent: 'pricing_inquiry' },
      ];
      for (const query of queries) {
        const found = await searchAll(B.tenantId, query);
        expect(found.length).toBeGreaterThan(0);
        expect(found.filter((i) => aIds.has(i.id) || i.tenantId !== B.tenantId)).toEqual([]);
      }
      expect((await searchAll('tenant-none', {})).length).toBe(0);
    });
  });

  describe('bad parameters', () => {
    const get = async (path: string) => {
      const response = await fetch(`${url}/internal/v1/tenants/${A.tenantId}/analytics/${path}`);
      return { status: response.status, body: (await response.json()) as { detail?: string } };
    };

    it.each([
      ['conversations?limit=0', 'limit'],
      ['conversations?limit=101', 'limit'],
      ['conversations?stage=won', 'stage'],
      ['conversations?objection=budget', 'objection'],
      ['conversations?sentiment=angry', 'sentiment'],
      ['conversations?mode=manual', 'mode'],
      ['conversations?from=yesterday', 'from'],
      ['conversations?from=2025-03-02&to=2025-03-01', 'from'],
      ['conversations?cursor=not-a-cursor', 'cursor'],
      ['conversations?stages=proposal', 'stages'],
      ['intents?to=2025-02-30', 'to'],
      ['objections?from=2024-01-01&to=2025-03-01', 'from'],
      ['funnel?repId=', 'repId'],
      ['sentiment?bucket=month', 'bucket'],
      ['reps?bucket=year', 'bucket'],
    ])('GET %s → 400 naming %s', async (path, field) => {
      const { status, body } = await get(path);
      expect(status).toBe(400);
      expect(body.detail).toMatch(new RegExp(`(^|; )${field}: `));
    });
  });

  describe('seeding', () => {
    it('does nothing when the tenant already holds this dataset', async () => {
      expect(await seedAnalytics(db.dataSource, A)).toEqual({ status: 'already-seeded' });
    });

    it('refuses a tenant with other data unless asked to replace it', async () => {
      const other: SeedOptions = { ...B, seed: 8, conversations: 20 };
      await expect(seedAnalytics(db.dataSource, other)).rejects.toThrow(TenantHasDataError);
      const replaced = await seedAnalytics(db.dataSource, other, { replace: true });
      expect(replaced).toMatchObject({ status: 'seeded', replaced: B.conversations });
      const rows: { n: number }[] = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM "${PERSISTENCE_SCHEMA}"."turns" WHERE "tenant_id" = $1`,
        [B.tenantId],
      );
      expect(rows[0].n).toBe(replaced.status === 'seeded' ? replaced.rows.turns : -1);
      // Tenant A is untouched.
      const query = range(day(A.days), UNTIL);
      expect(await client.intents(A.tenantId, query)).toEqual(
        expected.get(A.tenantId)!.intents(A.tenantId, { from: day(A.days), to: UNTIL }),
      );
    });
  });
});
