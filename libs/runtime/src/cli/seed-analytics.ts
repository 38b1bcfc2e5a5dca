import { Command, InvalidArgumentError } from 'commander';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { createServiceDataSource } from '@lib/database';
import { DAY_MS, PERSISTENCE_DATABASE, seedAnalytics, type SeedOptions } from '@lib/conversation-record';

/**
 * `npm run seed:analytics -- --conversations 100000 --tenant <id> [--seed 42] [--reps 20] [--days 90]`:
 * generates realistic conversations (turns with redacted text and counts, analyses with intents, entities and
 * objections, stage transitions, replies and suggestions, evaluations, feedback) and bulk-inserts them into
 * persistence's schema of DATABASE_URL, for the analytics API, its benchmark and demos. Deterministic: the same
 * options give the same rows. A tenant that already holds this dataset is left as it is; a tenant with other
 * data is refused unless --replace (which deletes the tenant's rows first).
 */
const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  }
  return n;
};

function utcMidnight(value: string): Date {
  const date = new Date(`${value}T00:00:00Z`);
  // The round trip rejects what the pattern lets through (2025-02-30).
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(date.getTime()) ||
    date.toISOString().slice(0, 10) !== value
  ) {
    throw new InvalidArgumentError('--until must be a date, YYYY-MM-DD (midnight UTC)');
  }
  return date;
}

const today = (): Date => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
const formatInt = (n: number): string => n.toLocaleString('en-US');

interface CliOptions {
  conversations: number;
  tenant: string;
  seed: number;
  reps: number;
  days: number;
  until?: Date;
  replace: boolean;
  batch: number;
}

const program = new Command('seed-analytics')
  .description('Seed the conversation record with generated conversations for analytics')
  .requiredOption('--conversations <n>', 'how many conversations', integer('--conversations', 1, 10_000_000))
  .requiredOption('--tenant <id>', 'the tenant id the rows belong to (the gateway tenant id, a uuid)')
  .option('--seed <n>', 'seed of the generator: same seed, same rows', integer('--seed', 0, 2 ** 31 - 1), 42)
  .option('--reps <n>', 'number of sales reps (rep-01 ...)', integer('--reps', 1, 99), 20)
  .option(
    '--days <n>',
    'conversations start over this many days before --until',
    integer('--days', 1, 3660),
    90,
  )
  .option('--until <date>', 'end of the period, exclusive (YYYY-MM-DD, default: today UTC)', utcMidnight)
  .option('--replace', "delete the tenant's rows first when it holds other data", false)
  .option('--batch <n>', 'conversations per transaction', integer('--batch', 1, 50_000), 2000)
  .action(async (cli: CliOptions) => {
    if (cli.tenant.trim().length === 0 || cli.tenant.length > 128) {
      throw new InvalidArgumentError('--tenant must have 1 to 128 characters');
    }
    const options: SeedOptions = {
      tenantId: cli.tenant,
      conversations: cli.conversations,
      seed: cli.seed,
      reps: cli.reps,
      days: cli.days,
      until: cli.until ?? today(),
    };
    const { DATABASE_URL } = loadConfig(CommonConfigSchema);
    const ds = createServiceDataSource(PERSISTENCE_DATABASE, {
      url: DATABASE_URL,
      applicationName: 'seed-analytics',
    });
    await ds.initialize();
    try {
      if (await ds.showMigrations()) {
        throw new Error('the persistence schema has pending migrations: run `npm run migrate` first');
      }
      const outcome = await seedAnalytics(ds, options, {
        replace: cli.replace,
        batchSize: cli.batch,
        onProgress: ({ done, total, elapsedMs }) => {
          const rate = done / Math.max(elapsedMs / 1000, 0.001);
          const eta = Math.round((total - done) / rate);
          process.stderr.write(
            `[seed] ${formatInt(done)}/${formatInt(total)} conversations, ${formatInt(Math.round(rate))}/s, ETA ${eta} s\n`,
          );
        },
      });
      if (outcome.status === 'already-seeded') {
        console.log(
          `tenant ${options.tenantId} already holds this dataset (seed ${options.seed}, ` +
            `${formatInt(options.conversations)} conversations): nothing to do`,
        );
        return;
      }
      const period = { from: new Date(options.until.getTime() - options.days * DAY_MS), to: options.until };
      const funnel = outcome.expected.funnel(options.tenantId, period);
      const objections = outcome.expected.objections(options.tenantId, period);
      const intents = outcome.expected.intents(options.tenantId, period);
      console.log(
        [
          `seeded tenant ${options.tenantId} in ${(outcome.elapsedMs / 1000).toFixed(1)} s` +
            (outcome.replaced > 0 ? ` (replaced ${formatInt(outcome.replaced)} conversations)` : ''),
          `period ${period.from.toISOString().slice(0, 10)} .. ${options.until.toISOString().slice(0, 10)} (exclusive), seed ${options.seed}, ${options.reps} reps`,
          `rows: ${Object.entries(outcome.rows)
            .map(([table, n]) => `${table} ${formatInt(n)}`)
            .join(', ')}`,
          `funnel: ${funnel.stages.map((s) => `${s.stage} ${formatInt(s.reached)}`).join(' > ')}; closed_lost ${formatInt(funnel.closedLost.reached)}`,
          `objections: ${formatInt(objections.total)}, handled ${formatInt(objections.handled)}`,
          `top intents: ${intents.items
            .slice(0, 5)
            .map((i) => `${i.intent} ${formatInt(i.count)}`)
            .join(', ')}`,
        ].join('\n'),
      );
    } finally {
      await ds.destroy();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`seed-analytics failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
