import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Command, InvalidArgumentError } from 'commander';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { createServiceDataSource, UnitOfWork } from '@lib/database';
import {
  createKnowledgeServices,
  evaluateRecall,
  loadLabelledQuestions,
  TOOL_RUNNER_DATABASE,
  type IngestionProgress,
  type KnowledgeServices,
} from '@lib/tools';
import { repoRoot } from '../paths';

/**
 * `npm run kb -- <command>`: the knowledge base of a tenant, in the tool-runner's database and the configured
 * vector store (the embedded store in PostgreSQL, or Qdrant with QDRANT_URL), with the configured embeddings.
 *   ingest <dir|file...> --tenant <id> [--sync] [--base <dir>]   progress on stderr, summary on stdout
 *   delete <documentId> --tenant <id>
 *   eval --tenant <id> [--questions <jsonl>] [--k 5]              recall@k of the labelled questions
 * Needs the migrations applied (`npm run migrate -- up`).
 */

const tenantOption = (value: string): string => {
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(value))
    throw new InvalidArgumentError('a tenant id (1-128 characters)');
  return value;
};

async function withKnowledge<T>(work: (services: KnowledgeServices) => Promise<T>): Promise<T> {
  const { DATABASE_URL } = loadConfig(CommonConfigSchema);
  const dataSource = createServiceDataSource(TOOL_RUNNER_DATABASE, {
    url: DATABASE_URL,
    applicationName: 'kb',
  });
  await dataSource.initialize();
  try {
    return await work(createKnowledgeServices(new UnitOfWork(dataSource)));
  } finally {
    await dataSource.destroy();
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

/** One progress line: files done/total, chunks, rate, ETA (from the pace of the files done so far). */
export function progressLine(p: IngestionProgress): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.chunks / seconds : 0;
  const eta = p.filesDone > 0 ? (seconds / p.filesDone) * (p.filesTotal - p.filesDone) : Number.NaN;
  return (
    `[${p.filesDone}/${p.filesTotal} files] ${p.chunks} chunks, ${rate.toFixed(1)} chunks/s, ` +
    `ETA ${p.filesDone === p.filesTotal ? '0s' : formatDuration(eta)}`
  );
}

function progressReporter(): (p: IngestionProgress) => void {
  const tty = process.stderr.isTTY;
  let lastFiles = -1;
  return (p) => {
    if (tty) {
      process.stderr.write(`\r${progressLine(p)}\u001b[K${p.filesDone === p.filesTotal ? '\n' : ''}`);
    } else if (p.filesDone !== lastFiles) {
      // Not a terminal (CI, a pipe): one line per finished file, no carriage returns.
      process.stderr.write(`${progressLine(p)}${p.current ? `  ${p.current}` : ''}\n`);
    }
    lastFiles = p.filesDone;
  };
}

async function main(argv: string[]): Promise<number> {
  // Per-document log lines would interleave with the progress and the summary: warnings and errors only.
  Logger.overrideLogger(['warn', 'error']);
  let exitCode = 0;
  const program = new Command('kb').description('Knowledge base of a tenant: ingest, delete, evaluate');
  program.exitOverride();

  program
    .command('ingest')
    .argument('<paths...>', 'files or directories (Markdown, HTML, text, PDF)')
    .requiredOption('--tenant <id>', 'tenant the documents belong to', tenantOption)
    .option('--sync', "remove the tenant's documents that are not among these paths", false)
    .option('--base <dir>', 'document ids are paths relative to this directory')
    .action(async (paths: string[], options: { tenant: string; sync: boolean; base?: string }) => {
      const summary = await withKnowledge(({ ingestion }) =>
        ingestion.ingestFiles(options.tenant, {
          paths,
          baseDir: options.base,
          sync: options.sync,
          onProgress: progressReporter(),
        }),
      );
      const rate = summary.seconds > 0 ? summary.chunks / summary.seconds : 0;
      console.log(
        `tenant ${options.tenant}: ${summary.added} added, ${summary.updated} updated, ` +
          `${summary.unchanged} unchanged, ${summary.removed} removed; ${summary.chunks} chunks in ` +
          `${summary.seconds.toFixed(1)}s (${rate.toFixed(1)} chunks/s)`,
      );
    });

  program
    .command('delete')
    .argument('<documentId>')
    .requiredOption('--tenant <id>', 'tenant of the document', tenantOption)
    .action(async (documentId: string, options: { tenant: string }) => {
      const removed = await withKnowledge(({ ingestion }) => ingestion.remove(options.tenant, documentId));
      console.log(
        removed ? `removed ${documentId}` : `no document ${documentId} for tenant ${options.tenant}`,
      );
      if (!removed) exitCode = 1;
    });

  program
    .command('eval')
    .requiredOption('--tenant <id>', 'tenant whose knowledge base answers', tenantOption)
    .option(
      '--questions <file>',
      'labelled questions (JSON lines)',
      join(repoRoot(), 'data/kb-eval/questions.jsonl'),
    )
    .option('--k <n>', 'passages per question', (v) => Number.parseInt(v, 10), 5)
    .action(async (options: { tenant: string; questions: string; k: number }) => {
      const questions = await loadLabelledQuestions(options.questions);
      const report = await withKnowledge(({ retriever }) =>
        evaluateRecall((q, limit) => retriever.search(options.tenant, q, limit), questions, options.k),
      );
      for (const r of report.questions) {
        const verdict = r.rank ? `hit @${r.rank}` : 'MISS  ';
        console.log(`${verdict}  ${r.question}  → ${r.expectedDocument}`);
        if (!r.rank)
          console.log(`        got: ${[...new Set(r.retrievedDocuments)].join(', ') || '(nothing)'}`);
      }
      console.log(
        `recall@${report.k}: ${report.recall.toFixed(3)} (${report.hits}/${report.total}), MRR ${report.mrr.toFixed(3)}`,
      );
      if (report.total === 0) exitCode = 1;
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2; // commander printed the usage error
    throw error;
  }
  return exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`kb failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
