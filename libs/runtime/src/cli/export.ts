import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import {
  DEFAULT_EXPORT_BATCH_SIZE,
  exportFineTuningData,
  FEEDBACK_FILTERS,
  PERSISTENCE_DATABASE,
  type ExportProgress,
  type ExportSummary,
  type FeedbackFilter,
  type FineTuningExportOptions,
} from '@lib/conversation-record';
import { createServiceDataSource } from '@lib/database';
import { PII_KINDS } from '@lib/privacy';

/**
 * `npm run export -- --out <file.jsonl> [--tenant <id>] [--min-groundedness 0.8]
 *   [--feedback positive|not-negative|any] [--since <iso>] [--until <iso>] [--prompt-version <v>]
 *   [--system-prompt <file>] [--batch-size <n>] [--no-crm-names]`
 * Conversations of the persistence schema (DATABASE_URL) as chat fine-tuning examples, one JSON object per
 * line, redacted. Progress on stderr, summary on stdout. Exit codes: 0 done, 1 failed, 2 invalid options.
 */

class UsageError extends Error {}

const tenantOption = (value: string): string => {
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(value))
    throw new InvalidArgumentError('expected a tenant id (1-128 characters)');
  return value;
};

const groundednessOption = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('expected a number between 0 and 1');
  }
  return n;
};

const timeOption = (value: string): Date => {
  // A date (2025-01-31) or a date-time with an offset (2025-01-31T08:00:00Z): never a local-time guess.
  const iso = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;
  const date = new Date(value);
  if (!iso.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError(
      'an ISO 8601 date (2025-01-31) or date-time with offset (2025-01-31T08:00:00Z)',
    );
  }
  return date;
};

const promptVersionOption = (value: string): string => {
  if (value.trim() === '' || value.length > 100)
    throw new InvalidArgumentError('expected a prompt version (1-100 characters)');
  return value;
};

const batchSizeOption = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 5000)
    throw new InvalidArgumentError('expected an integer between 1 and 5000');
  return n;
};

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

/** One progress line: conversations done/total, exported, rate, ETA. */
export function progressLine(p: ExportProgress): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.done / seconds : 0;
  const eta = rate > 0 ? Math.max(0, p.total - p.done) / rate : Number.NaN;
  const percent = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 100;
  return (
    `[${p.done}/${p.total} conversations, ${percent.toFixed(0)}%] ${p.exported} exported, ` +
    `${rate.toFixed(0)} conv/s, ETA ${p.done >= p.total ? '0s' : formatDuration(eta)}`
  );
}

/** Throttled progress: a rewritten line on a terminal (at most 4 per second), else a line every 5 seconds. */
function progressReporter(): { report: (p: ExportProgress) => void; finish: () => void } {
  const tty = process.stderr.isTTY;
  const every = tty ? 250 : 5000;
  let lastAt = 0;
  let last: ExportProgress | undefined;
  let shown: ExportProgress | undefined;
  const show = (p: ExportProgress): void => {
    process.stderr.write(tty ? `\r${progressLine(p)}\u001b[K` : `${progressLine(p)}\n`);
    shown = p;
  };
  return {
    report: (p) => {
      last = p;
      if (p.elapsedMs - lastAt >= every) {
        lastAt = p.elapsedMs;
        show(p);
      }
    },
    finish: () => {
      if (last && last !== shown) show(last);
      if (tty && shown) process.stderr.write('\n');
    },
  };
}

export function summaryLines(s: ExportSummary): string[] {
  const list = (counts: Record<string, number>): string =>
    Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const truncated = Object.values(s.truncated).reduce((a, b) => a + b, 0);
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  return [
    `exported ${s.exported} of ${s.scanned} conversations scanned to ${s.out} in ${s.seconds.toFixed(1)}s`,
    `skipped ${skipped}: ${list(s.skipped)}`,
    `cut short ${truncated}: ${list(s.truncated)}`,
    `messages ${s.messages.system + s.messages.user + s.messages.assistant}: ${list(s.messages)}`,
    `redactions: ${list(Object.fromEntries(PII_KINDS.map((k) => [k, s.redactions[k]])))}` +
      ` (CRM contact names ${s.crmContactNames ? 'included' : 'not readable, not included'})`,
  ];
}

interface CliOptions {
  out: string;
  tenant?: string;
  minGroundedness?: number;
  feedback: FeedbackFilter;
  since?: Date;
  until?: Date;
  promptVersion?: string;
  systemPrompt?: string;
  batchSize: number;
  crmNames: boolean;
}

async function exportOptions(o: CliOptions): Promise<Omit<FineTuningExportOptions, 'onProgress'>> {
  if (o.since && o.until && o.since.getTime() >= o.until.getTime()) {
    throw new UsageError('--since must be before --until');
  }
  const outDir = dirname(resolve(o.out));
  if (!(await stat(outDir).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`--out: the directory ${outDir} does not exist`);
  }
  if ((await stat(o.out).catch(() => undefined))?.isDirectory())
    throw new UsageError(`--out: ${o.out} is a directory`);
  let systemPrompt: string | undefined;
  if (o.systemPrompt !== undefined) {
    systemPrompt = (
      await readFile(o.systemPrompt, 'utf8').catch((error: unknown) => {
        throw new UsageError(`--system-prompt: cannot read ${o.systemPrompt}: ${(error as Error).message}`);
      })
    ).trim();
    if (systemPrompt === '') throw new UsageError(`--system-prompt: ${o.systemPrompt} is empty`);
  }
  return {
    out: o.out,
    tenantId: o.tenant,
    since: o.since,
    until: o.until,
    filters: { minGroundedness: o.minGroundedness, feedback: o.feedback, promptVersion: o.promptVersion },
    systemPrompt,
    batchSize: o.batchSize,
    crmContactNames: o.crmNames,
  };
}

export async function main(argv: string[]): Promise<number> {
  Logger.overrideLogger(['warn', 'error']);
  let options: CliOptions | undefined;
  const program = new Command('export')
    .description('Export conversations as chat fine-tuning examples (JSONL), redacted')
    .requiredOption('--out <file>', 'the JSONL file to write (replaced atomically)')
    .option('--tenant <id>', 'only this tenant', tenantOption)
    .option(
      '--min-groundedness <score>',
      'answers need an evaluation at least this grounded (0-1)',
      groundednessOption,
    )
    .addOption(
      new Option('--feedback <filter>', 'which feedback an answer may have')
        .choices(FEEDBACK_FILTERS)
        .default('not-negative'),
    )
    .option('--since <iso>', 'conversations started at or after', timeOption)
    .option('--until <iso>', 'conversations started before', timeOption)
    .option('--prompt-version <v>', 'answers written with this prompt version only', promptVersionOption)
    .option('--system-prompt <file>', 'the system message (default: a generic sales-assistant prompt)')
    .option('--batch-size <n>', 'conversations per read', batchSizeOption, DEFAULT_EXPORT_BATCH_SIZE)
    .option('--no-crm-names', "do not redact the names of the tenant's CRM contacts")
    .action((o: CliOptions) => {
      options = o;
    });
  program.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2; // commander printed the usage error
    throw error;
  }
  if (!options) return 2;

  let resolved: Omit<FineTuningExportOptions, 'onProgress'>;
  try {
    resolved = await exportOptions(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}`);
    return 2;
  }

  const { DATABASE_URL } = loadConfig(CommonConfigSchema);
  const dataSource = createServiceDataSource(PERSISTENCE_DATABASE, {
    url: DATABASE_URL,
    applicationName: 'export',
    poolSize: 2,
  });
  await dataSource.initialize();
  const progress = progressReporter();
  try {
    const summary = await exportFineTuningData(dataSource, { ...resolved, onProgress: progress.report });
    progress.finish();
    for (const line of summaryLines(summary)) console.log(line);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
