import { Logger } from '@nestjs/common';
import { Command } from 'commander';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import {
  formatPromptVersionTable,
  PERSISTENCE_DATABASE,
  PromptVersionsQuery,
  PromptVersionsReader,
  type PromptVersionComparison,
} from '@lib/conversation-record';
import { createServiceDataSource, UnitOfWork } from '@lib/database';
import { currentPrompt, PROMPTS, type PromptTemplate } from '@lib/orchestration';

/**
 * `npm run prompts -- compare [--tenant <id> | --by-tenant] [--from <date>] [--to <date>] [--model <name>]
 * [--json]`:
 * the prompt versions compared side by side (groundedness, policy flags, satisfaction, latency, tokens, cost
 * per turn) over the replies generated in [from, to), read from persistence's schema of DATABASE_URL with the
 * same reader as the API (`GET /v1/analytics/prompt-versions`); without --tenant, every tenant together (one
 * row per tenant too with --by-tenant).
 * `npm run prompts -- list`: the prompt versions the orchestrator knows, the current one marked.
 * Exit codes: 0 done, 1 failed, 2 invalid options.
 */

class UsageError extends Error {}

const TENANT = /^[A-Za-z0-9_.:-]{1,128}$/;

interface CompareOptions {
  tenant?: string;
  from?: string;
  to?: string;
  model?: string;
  json?: boolean;
  byTenant?: boolean;
}

/** The options as the API's query (same defaults and checks), or a usage error naming the option. */
export function compareQuery(options: CompareOptions): {
  tenantId?: string;
  query: PromptVersionsQuery;
  byTenant: boolean;
} {
  if (options.tenant !== undefined && !TENANT.test(options.tenant)) {
    throw new UsageError('--tenant: expected a tenant id (1-128 characters: letters, digits, _ . : -)');
  }
  if (options.tenant !== undefined && options.byTenant) {
    throw new UsageError('--by-tenant: only without --tenant');
  }
  const raw: Record<string, string> = {};
  if (options.from !== undefined) raw.from = options.from;
  if (options.to !== undefined) raw.to = options.to;
  if (options.model !== undefined) raw.model = options.model;
  const parsed = PromptVersionsQuery.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues
        .map((i) => `--${i.path.map(String).join('.') || 'options'}: ${i.message}`)
        .join('; '),
    );
  }
  return { tenantId: options.tenant, query: parsed.data, byTenant: options.byTenant === true };
}

/** What `list` says of a prompt: its own description when it has one, else its system prompt's opening. */
export function describePrompt(prompt: PromptTemplate): string {
  const own = (prompt as PromptTemplate & { description?: unknown }).description;
  if (typeof own === 'string' && own.trim() !== '') return own.trim();
  const opening = prompt.system('autonomous').replace(/\s+/g, ' ').trim();
  const sentence = /^.*?[.!?](?=\s|$)/.exec(opening)?.[0] ?? opening;
  return sentence.length > 100 ? `${sentence.slice(0, 99)}…` : sentence;
}

/** The lines of `list`: one per known prompt version, the current one marked with `*`. */
export function promptListLines(
  prompts: Readonly<Record<string, PromptTemplate>> = PROMPTS,
  current: PromptTemplate = currentPrompt,
): string[] {
  const versions = Object.keys(prompts).sort();
  const width = Math.max(...versions.map((v) => v.length));
  return versions.map(
    (v) => `${v === current.version ? '*' : ' '} ${v.padEnd(width)}  ${describePrompt(prompts[v])}`,
  );
}

async function compare(options: CompareOptions): Promise<void> {
  const { tenantId, query, byTenant } = compareQuery(options);
  const { DATABASE_URL } = loadConfig(CommonConfigSchema);
  const dataSource = createServiceDataSource(PERSISTENCE_DATABASE, {
    url: DATABASE_URL,
    applicationName: 'prompts',
    poolSize: 1,
  });
  await dataSource.initialize();
  let comparison: PromptVersionComparison;
  try {
    comparison = await new PromptVersionsReader(new UnitOfWork(dataSource)).compare(tenantId, query, {
      byTenant,
    });
  } finally {
    await dataSource.destroy();
  }
  if (options.json) {
    console.log(JSON.stringify({ tenantId: tenantId ?? null, ...comparison }, null, 2));
  } else {
    process.stdout.write(
      (tenantId === undefined ? 'All tenants. ' : `Tenant ${tenantId}. `) +
        formatPromptVersionTable(comparison),
    );
  }
}

export async function main(argv: string[]): Promise<number> {
  Logger.overrideLogger(['warn', 'error']);
  let work: (() => Promise<void>) | undefined;
  const program = new Command('prompts')
    .description('Prompt versions: list them, compare them')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program
    .command('compare')
    .description('Compare prompt versions side by side over the replies generated in [from, to)')
    .option('--tenant <id>', 'only this tenant (default: every tenant together)')
    .option('--from <date>', 'ISO 8601 date or date-time with offset (default: --to minus 30 days)')
    .option('--to <date>', 'ISO 8601 date or date-time with offset, exclusive (default: now)')
    .option('--model <name>', "only replies of this model (the model's name)")
    .option('--by-tenant', 'without --tenant: one row per tenant, prompt version and model')
    .option('--json', 'print the comparison as JSON instead of a table')
    .action((o: CompareOptions) => {
      work = () => compare(o);
    });
  program
    .command('list')
    .description('The prompt versions the orchestrator knows (* = used for new turns)')
    .action(() => {
      work = () => {
        for (const line of promptListLines()) console.log(line);
        return Promise.resolve();
      };
    });
  if (argv.length === 0) {
    console.error(`error: expected a command: compare or list\n${program.helpInformation()}`);
    return 2;
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    throw error;
  }
  if (!work) {
    console.error('error: expected a command: compare or list (see --help)');
    return 2;
  }
  try {
    await work();
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`prompts failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
