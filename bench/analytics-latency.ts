import { parseArgs } from 'node:util';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import {
  AnalyticsRangeQuery,
  ConversationAnalyticsClient,
  ConversationSearchQuery,
  DAY_MS,
  persistenceService,
  RepProgressQuery,
  seedAnalytics,
  SentimentTrendQuery,
  tenantRecordState,
  type SeedOptions,
} from '@lib/conversation-record';
import { UnitOfWork } from '@lib/database';
import { InProcessEventBus } from '@lib/messaging';
import { ensureDatabaseExists, startService } from '@lib/runtime';

/**
 * Latency of the analytics and search API on a realistic volume: on a dedicated database (created and
 * migrated when missing), seeds 100,000 conversations once (reused when the tenant already holds the same
 * dataset), starts the real persistence service, and times each endpoint through its internal HTTP API with
 * the typed client the gateway uses (request, SQL, JSON, response validation): p50/p95/max over `--runs`.
 *
 *   npm run build && npm run bench:analytics -- --conversations 100000 --runs 50
 */
const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'sales_agent_bench' },
    conversations: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    reps: { type: 'string', default: '20' },
    days: { type: 'string', default: '90' },
    /** Fixed, so the seeded dataset is the same (and reused) from one day to the next. */
    until: { type: 'string', default: '2026-01-01' },
    tenant: { type: 'string', default: 'bench-analytics' },
    runs: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '3' },
  },
});

function positiveInt(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer, got "${values[name]}"\n`);
    process.exit(2);
  }
  return n;
}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface Case {
  readonly name: string;
  readonly call: () => Promise<unknown>;
}

async function main(): Promise<void> {
  const runs = positiveInt('runs');
  const warmup = Number(values.warmup);
  const until = new Date(`${values.until}T00:00:00Z`);
  if (Number.isNaN(until.getTime())) throw new Error('--until must be a date (YYYY-MM-DD)');
  const options: SeedOptions = {
    tenantId: values.tenant ?? 'bench-analytics',
    conversations: positiveInt('conversations'),
    seed: Number(values.seed),
    reps: positiveInt('reps'),
    days: positiveInt('days'),
    until,
  };

  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = `/${values.database}`;
  const databaseUrl = server.toString();
  await ensureDatabaseExists(databaseUrl);
  const config = loadConfig(CommonConfigSchema, {
    DATABASE_URL: databaseUrl,
    MESSAGING_TRANSPORT: 'in-process',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  });
  const persistence = await startService(persistenceService, {
    config,
    bus: new InProcessEventBus(),
    migrateOnBoot: true,
    port: 0,
  });
  try {
    const dataSource = persistence.app.get(UnitOfWork).dataSource;
    log(`seeding ${options.conversations} conversations for ${options.tenantId} (seed ${options.seed}) ...`);
    // Reused when the tenant holds this very dataset; replaced when it holds anything else.
    const outcome = await seedAnalytics(dataSource, options, {
      replace: (await tenantRecordState(dataSource, options)) === 'other',
      onProgress: ({ done, total, elapsedMs }) => {
        if (done % 20_000 === 0 || done === total) {
          log(`  ${done}/${total} (${Math.round(done / (elapsedMs / 1000))} conversations/s)`);
        }
      },
    });
    const seeding =
      outcome.status === 'seeded'
        ? `seeded in ${(outcome.elapsedMs / 1000).toFixed(1)} s (${Object.values(outcome.rows).reduce((a, b) => a + b, 0)} rows)`
        : `reused (the database already holds this dataset: seed ${options.seed}, ${options.conversations} conversations)`;
    log(seeding);

    const client = new ConversationAnalyticsClient(persistence.url, { timeoutMs: 60_000 });
    const tenant = options.tenantId;
    const ago = (days: number) => new Date(until.getTime() - days * DAY_MS).toISOString();
    const last30 = { from: ago(30), to: until.toISOString() };
    const last90 = { from: ago(90), to: until.toISOString() };
    const range = (q: Record<string, string>) => AnalyticsRangeQuery.parse(q);
    const search = (q: Record<string, string | number>) =>
      client.searchConversations(tenant, ConversationSearchQuery.parse(q));

    // A cursor 20 pages deep, for the cost of a later page.
    let deepCursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const result = await search({ limit: 20, ...(deepCursor ? { cursor: deepCursor } : {}) });
      deepCursor = result.nextCursor ?? undefined;
    }

    const cases: Case[] = [
      { name: 'search: newest 20', call: () => search({}) },
      { name: 'search: page 21 (cursor)', call: () => search({ cursor: deepCursor ?? '' }) },
      { name: 'search: stage=negotiation', call: () => search({ stage: 'negotiation' }) },
      { name: 'search: intent=demo_request', call: () => search({ intent: 'demo_request' }) },
      { name: 'search: objection=trust', call: () => search({ objection: 'trust' }) },
      { name: 'search: sentiment=negative', call: () => search({ sentiment: 'negative' }) },
      { name: 'search: repId + last 30 days', call: () => search({ repId: 'rep-07', ...last30 }) },
      { name: 'search: q=HIPAA', call: () => search({ q: 'HIPAA' }) },
      { name: 'search: q=zebracorn (no match)', call: () => search({ q: 'zebracorn' }) },
      {
        name: 'search: q="billing limit" + stage',
        call: () => search({ q: '"billing limit"', stage: 'proposal' }),
      },
      {
        name: 'search: q=Mixpanel + rep + objection',
        call: () => search({ q: 'Mixpanel', repId: 'rep-03', objection: 'competitor' }),
      },
      { name: 'intents: 30 days', call: () => client.intents(tenant, range(last30)) },
      { name: 'intents: 90 days', call: () => client.intents(tenant, range(last90)) },
      {
        name: 'intents: 30 days, one rep',
        call: () => client.intents(tenant, range({ ...last30, repId: 'rep-05' })),
      },
      { name: 'objections: 30 days', call: () => client.objections(tenant, range(last30)) },
      { name: 'objections: 90 days', call: () => client.objections(tenant, range(last90)) },
      { name: 'funnel: 30 days', call: () => client.funnel(tenant, range(last30)) },
      { name: 'funnel: 90 days', call: () => client.funnel(tenant, range(last90)) },
      {
        name: 'funnel: 90 days, one rep',
        call: () => client.funnel(tenant, range({ ...last90, repId: 'rep-11' })),
      },
      {
        name: 'sentiment: 30 days by day',
        call: () => client.sentiment(tenant, SentimentTrendQuery.parse({ ...last30, bucket: 'day' })),
      },
      {
        name: 'sentiment: 90 days by week',
        call: () => client.sentiment(tenant, SentimentTrendQuery.parse({ ...last90, bucket: 'week' })),
      },
      {
        name: 'reps: 30 days by week',
        call: () => client.reps(tenant, RepProgressQuery.parse({ ...last30, bucket: 'week' })),
      },
      {
        name: 'reps: 90 days by month',
        call: () => client.reps(tenant, RepProgressQuery.parse({ ...last90, bucket: 'month' })),
      },
      {
        name: 'reps: 90 days by day, one rep',
        call: () =>
          client.reps(tenant, RepProgressQuery.parse({ ...last90, bucket: 'day', repId: 'rep-02' })),
      },
    ];

    const rows: { case: string; p50: number; p95: number; max: number }[] = [];
    for (const c of cases) {
      for (let i = 0; i < warmup; i++) await c.call();
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await c.call();
        times.push(performance.now() - t0);
      }
      const sorted = times.sort((a, b) => a - b);
      const row = {
        case: c.name,
        p50: Math.round(percentile(sorted, 50)),
        p95: Math.round(percentile(sorted, 95)),
        max: Math.round(sorted.at(-1) ?? 0),
      };
      rows.push(row);
      log(`${row.case}: p50 ${row.p50} ms, p95 ${row.p95} ms`);
    }

    const width = Math.max(...rows.map((r) => r.case.length));
    const line = (a: string, b: string, c: string, d: string) =>
      `| ${a.padEnd(width)} | ${b.padStart(7)} | ${c.padStart(7)} | ${d.padStart(7)} |`;
    process.stdout.write(
      [
        `analytics latency: ${options.conversations} conversations (${seeding}), ${runs} runs per case, ms`,
        line('case', 'p50', 'p95', 'max'),
        `|${'-'.repeat(width + 2)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(9)}|`,
        ...rows.map((r) => line(r.case, String(r.p50), String(r.p95), String(r.max))),
        '',
      ].join('\n'),
    );
  } finally {
    await persistence.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
