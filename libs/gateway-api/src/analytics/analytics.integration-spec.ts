import {
  ConversationSearchResult,
  DAY_MS,
  generateConversations,
  IntentFrequencies,
  ObjectionFrequencies,
  persistenceService,
  RepProgress,
  seedAnalytics,
  SentimentTrend,
  StageFunnel,
  type ExpectedAnalytics,
  type SeedOptions,
} from '@lib/conversation-record';
import { UnitOfWork } from '@lib/database';
import type { RunningService } from '@lib/runtime';
import { gatewayService } from '../gateway.service-definition';
import { GatewayClient, startServiceStack, type Json, type ServiceStack } from '../testing/gateway-harness';
import { ANALYTICS_EXAMPLES } from './analytics.schemas';

/**
 * The public search and analytics routes with the real persistence service behind them: both services run
 * through the runtime (in-process transport) on one test database, the record is seeded with the generator
 * for two tenants created through the admin API, and every answer is compared with the generator's.
 */
const ADMIN_KEY = 'admin-key-for-the-analytics-test';
const UNTIL = new Date('2025-03-03T00:00:00Z');
const day = (n: number): string => new Date(UNTIL.getTime() - n * DAY_MS).toISOString();

describe('gateway analytics API (gateway + persistence, PostgreSQL)', () => {
  let stack: ServiceStack;
  let persistence: RunningService;
  let gateway: RunningService;
  const tenants: { id: string; key: string; options: SeedOptions; expected: ExpectedAnalytics }[] = [];
  const { get: call, createTenant } = new GatewayClient(() => gateway.url, ADMIN_KEY);

  beforeAll(async () => {
    stack = await startServiceStack('gateway_analytics', { ADMIN_API_KEY: ADMIN_KEY });
    persistence = await stack.start(persistenceService, 'PERSISTENCE_URL');
    gateway = await stack.start(gatewayService);

    const dataSource = persistence.app.get(UnitOfWork).dataSource;
    for (const [name, conversations, seed] of [
      ['analytics-a', 120, 1],
      ['analytics-b', 60, 2],
    ] as const) {
      const tenant = await createTenant(name);
      const options: SeedOptions = {
        tenantId: tenant.id,
        conversations,
        seed,
        reps: 3,
        days: 14,
        until: UNTIL,
      };
      const outcome = await seedAnalytics(dataSource, options);
      if (outcome.status !== 'seeded') throw new Error('expected a fresh seeding');
      tenants.push({ id: options.tenantId, key: tenant.key, options, expected: outcome.expected });
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers every analytics route for the tenant of the API key, as the seeded data says', async () => {
    const range = { from: new Date(day(14)), to: UNTIL };
    const query = `from=${day(14)}&to=${UNTIL.toISOString()}`;
    for (const t of tenants) {
      const intents = await call(`/v1/analytics/intents?${query}`, t.key);
      expect(intents.status).toBe(200);
      expect(intents.body).toEqual(t.expected.intents(t.id, range));
      expect((await call(`/v1/analytics/objections?${query}`, t.key)).body).toEqual(
        t.expected.objections(t.id, range),
      );
      expect((await call(`/v1/analytics/funnel?${query}&repId=rep-02`, t.key)).body).toEqual(
        t.expected.funnel(t.id, { ...range, repId: 'rep-02' }),
      );
      expect((await call(`/v1/analytics/sentiment?${query}&bucket=week`, t.key)).body).toEqual(
        t.expected.sentiment(t.id, range, 'week'),
      );
      expect((await call(`/v1/analytics/reps?${query}&bucket=month`, t.key)).body).toEqual(
        t.expected.reps(t.id, range, 'month'),
      );
    }
    expect(tenants[0].expected.funnel(tenants[0].id, range).conversations).toBe(120);
  });

  it('searches and pages through the tenant’s conversations only', async () => {
    const [a, b] = tenants;
    const walk = async (key: string, filter: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await call(
          `/v1/conversations?limit=7&${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          key,
        );
        expect(page.status).toBe(200);
        const result = ConversationSearchResult.parse(page.body);
        ids.push(...result.items.map((i) => i.id));
        cursor = result.nextCursor;
      } while (cursor);
      return ids;
    };
    const proposalsOf = (options: SeedOptions) =>
      [...generateConversations(options)]
        .filter((c) => c.stage === 'proposal')
        .sort((x, y) => y.startedAt.getTime() - x.startedAt.getTime() || (x.id < y.id ? 1 : -1))
        .map((c) => c.id);
    expect(await walk(a.key, 'stage=proposal')).toEqual(proposalsOf(a.options));
    expect(await walk(b.key, 'stage=proposal')).toEqual(proposalsOf(b.options));
    const everything = await walk(b.key, '');
    expect(everything).toHaveLength(b.options.conversations);
    const aIds = new Set([...generateConversations(a.options)].map((c) => c.id));
    expect(everything.filter((id) => aIds.has(id))).toEqual([]);
    // The seeded texts depend on the tenant id (random here): search a word tenant b's conversations say.
    const said = [...generateConversations(b.options)].flatMap((c) => c.turns.map((t) => t.redactedText));
    const word = ['Mixpanel', 'HIPAA', 'Amplitude', 'dashboard', 'pricing'].find((w) =>
      said.some((text) => new RegExp(`\\b${w}\\b`).test(text)),
    );
    if (!word) throw new Error('the seeded conversations of tenant b say none of the words searched');
    const text = await call(`/v1/conversations?q=${word}`, b.key);
    const found = ConversationSearchResult.parse(text.body).items;
    expect(found.length).toBeGreaterThan(0);
    expect(
      found.every(
        (i) => i.tenantId === b.id && i.match?.snippet.toLowerCase().includes(`«${word.toLowerCase()}`),
      ),
    ).toBe(true);
  });

  it.each([
    ['/v1/conversations?stage=won', 'stage'],
    ['/v1/conversations?limit=500', 'limit'],
    ['/v1/conversations?stages=proposal', 'stages'],
    ['/v1/conversations?cursor=not-a-cursor', 'cursor'],
    ['/v1/conversations?from=2025-03-02&to=2025-03-01', 'from'],
    ['/v1/analytics/intents?from=yesterday', 'from'],
    ['/v1/analytics/funnel?from=2024-01-01&to=2025-03-01', 'from'],
    ['/v1/analytics/sentiment?bucket=month', 'bucket'],
    ['/v1/analytics/reps?bucket=year&repId=rep-01', 'bucket'],
  ])('GET %s → 400 problem+json naming %s', async (path, field) => {
    const response = await call(path, tenants[0].key);
    expect(response.status).toBe(400);
    expect(response.type).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ field })] });
  });

  it('needs an API key', async () => {
    expect((await call('/v1/conversations')).status).toBe(401);
    expect((await call('/v1/analytics/intents')).status).toBe(401);
  });

  it('documents every route in OpenAPI with a description and an example that matches its schema', async () => {
    const response = await fetch(`${gateway.url}/docs/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, Json>>;
      components: { schemas: Record<string, unknown> };
    };
    const routes: [string, string, { parse: (v: unknown) => unknown }, unknown][] = [
      [
        '/v1/conversations',
        'ConversationSearchResult',
        ConversationSearchResult,
        ANALYTICS_EXAMPLES.conversations,
      ],
      ['/v1/analytics/intents', 'IntentFrequencies', IntentFrequencies, ANALYTICS_EXAMPLES.intents],
      [
        '/v1/analytics/objections',
        'ObjectionFrequencies',
        ObjectionFrequencies,
        ANALYTICS_EXAMPLES.objections,
      ],
      ['/v1/analytics/funnel', 'StageFunnel', StageFunnel, ANALYTICS_EXAMPLES.funnel],
      ['/v1/analytics/sentiment', 'SentimentTrend', SentimentTrend, ANALYTICS_EXAMPLES.sentiment],
      ['/v1/analytics/reps', 'RepProgress', RepProgress, ANALYTICS_EXAMPLES.reps],
    ];
    for (const [path, schemaId, schema, example] of routes) {
      const operation = document.paths[path]?.get;
      expect(operation).toBeDefined();
      expect(String(operation.description).length).toBeGreaterThan(50);
      const ok = (operation.responses as Record<string, { content: Record<string, Json> }>)['200'];
      expect(ok.content['application/json']).toEqual({
        schema: { $ref: `#/components/schemas/${schemaId}` },
        example,
      });
      expect(() => schema.parse(example)).not.toThrow();
      expect(document.components.schemas[schemaId]).toBeDefined();
      const params = (operation.parameters as { name: string }[]).map((p) => p.name);
      expect(params).toEqual(
        expect.arrayContaining(
          path === '/v1/conversations' ? ['q', 'cursor', 'stage'] : ['from', 'to', 'repId'],
        ),
      );
      expect((operation.responses as Record<string, unknown>)['400']).toBeDefined();
    }
  });

  it('answers 503 problem+json when persistence is unreachable', async () => {
    await persistence.stop();
    const response = await call('/v1/analytics/funnel', tenants[0].key);
    expect(response.status).toBe(503);
    expect(response.type).toMatch(/^application\/problem\+json/);
  });
});
