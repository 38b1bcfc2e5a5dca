import { readFile, writeFile } from 'node:fs/promises';
import { Logger } from '@nestjs/common';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { CommonConfigSchema, ConfigError, loadConfig } from '@lib/config';
import { createServiceDataSource, runMigrations, UnitOfWork } from '@lib/database';
import { loadEvaluatorConfig } from '@lib/evaluation';
import {
  ClaudeLanguageModel,
  declaredTools,
  isAnthropicConfigured,
  loadAnthropicConfig,
  loadOrchestratorConfig,
  OfflineLanguageModel,
  promptByVersion,
  PROMPTS,
  type SteppingLanguageModel,
} from '@lib/orchestration';
import {
  compareReports,
  DatasetError,
  DEFAULT_THRESHOLDS,
  evaluatorPolicy,
  formatGate,
  GateInputError,
  InProcessToolRunner,
  loadDataset,
  prepareReplayTools,
  REPORT_KIND,
  renderMarkdown,
  ReplayEngine,
  type GateThresholds,
  type RecordedConversation,
  type ReplayProgress,
  type ReplayReport,
} from '@lib/replay';
import { defaultKnowledgeBaseDir, TOOL_RUNNER_DATABASE } from '@lib/tools';
import { ensureDatabaseExists } from '../database-bootstrap';

/**
 * `npm run replay -- <command>`: replays a dataset of recorded conversations (JSONL) through a prompt version
 * and a model, tool calls run in process against a real knowledge base, every reply scored by the evaluator.
 *   run  --dataset <jsonl> --prompt-version <v> [--model offline|claude] [--out r.json] [--markdown r.md]
 *   gate --dataset <jsonl> --baseline <version|report.json> --candidate <version> [--max-… thresholds]
 * Exit codes: 0 done / gate passed, 1 gate failed (or an unexpected error), 2 bad input.
 * The knowledge base and demo CRM live in a scratch database (REPLAY_DATABASE_URL, default: DATABASE_URL's
 * server, database `<name>_replay`), migrated and seeded by the command (idempotent).
 */

/** Bad input: exit code 2. */
class UsageError extends Error {}

export interface ReplayIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const defaultIo: ReplayIo = {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** The fixed tenant the replay's knowledge base and CRM belong to (in the scratch database). */
export const REPLAY_TENANT_ID = '00000000-0000-4000-8000-00000000e6e6';

const ReplayEnvSchema = z.object({
  REPLAY_DATABASE_URL: z.url().optional().describe('Scratch database of the replay (knowledge base, CRM)'),
});

const ratio = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('a non-negative number');
  }
  return n;
};

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

export function progressLine(label: string, p: ReplayProgress): string {
  return (
    `[${label}] ${p.done}/${p.total} conversations, ${formatDuration(p.elapsedMs)} elapsed, ` +
    `ETA ${p.done === p.total ? '0s' : formatDuration(p.etaMs)}  ${p.conversationId}`
  );
}

function summaryText(report: ReplayReport): string {
  const o = report.overall;
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  return (
    `${report.promptVersion} (${report.model.provider} ${report.model.name}): ${report.conversations.length} ` +
    `conversations, ${o.turns} turns; groundedness ${o.groundednessMean.toFixed(3)}, grounded ${pct(o.groundedShare)}, ` +
    `citation validity ${o.citationValidityMean.toFixed(3)}, relevance ${o.relevanceMean.toFixed(3)}, schema valid ${pct(o.schemaValidityRate)}, ` +
    `policy flags ${o.policyFlags}, failures ${o.failures} (${pct(o.failureRate)}), latency p95 ` +
    `${o.latencyP95Ms} ms, tokens ${o.inputTokens}/${o.outputTokens}, cost $${o.costUsd.toFixed(4)}\n`
  );
}

function scratchDatabaseUrl(env: NodeJS.ProcessEnv): string {
  const own = loadConfig(ReplayEnvSchema, env).REPLAY_DATABASE_URL;
  if (own) return own;
  const url = new URL(loadConfig(CommonConfigSchema, env).DATABASE_URL);
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'sales_agent';
  url.pathname = `/${name}_replay`;
  return url.toString();
}

function selectModel(kind: string, promptVersion: string, env: NodeJS.ProcessEnv): SteppingLanguageModel {
  let prompt;
  try {
    prompt = promptByVersion(promptVersion);
  } catch {
    throw new UsageError(
      `unknown prompt version "${promptVersion}"; known: ${Object.keys(PROMPTS).join(', ')}`,
    );
  }
  if (kind === 'offline') {
    return new OfflineLanguageModel({ knowledgeLimit: loadOrchestratorConfig(env).knowledgeLimit, prompt });
  }
  if (!isAnthropicConfigured(env)) throw new UsageError('--model claude needs ANTHROPIC_API_KEY');
  return new ClaudeLanguageModel(loadAnthropicConfig({ ...env, ANTHROPIC_PROMPT_VERSION: prompt.version }));
}

/** The scratch database, migrated, with the knowledge base ingested and the demo CRM: a replay per call. */
async function withReplayEnvironment<T>(
  io: ReplayIo,
  kbDir: string,
  work: (replay: (promptVersion: string, label: string) => Promise<ReplayReport>) => Promise<T>,
  setup: { model: string; dataset: string; conversations: readonly RecordedConversation[] },
): Promise<T> {
  const url = scratchDatabaseUrl(io.env);
  await ensureDatabaseExists(url);
  const dataSource = createServiceDataSource(TOOL_RUNNER_DATABASE, { url, applicationName: 'replay' });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource, TOOL_RUNNER_DATABASE.schema);
    const uow = new UnitOfWork(dataSource);
    const { tools, chunks } = await prepareReplayTools(uow, REPLAY_TENANT_ID, { knowledgePaths: [kbDir] });
    io.err(`knowledge base ${kbDir}: ${chunks} chunks ready\n`);
    const orchestrator = loadOrchestratorConfig(io.env);
    const evaluator = loadEvaluatorConfig(io.env);
    const runner = new InProcessToolRunner(tools, REPLAY_TENANT_ID, orchestrator.toolTimeoutMs);
    return await work(async (promptVersion, label) => {
      const engine = new ReplayEngine({
        model: selectModel(setup.model, promptVersion, io.env),
        tools: runner,
        declarations: declaredTools(orchestrator),
        scoring: evaluator,
        policy: evaluatorPolicy(evaluator),
        maxSteps: orchestrator.maxSteps,
        contextTokenBudget: orchestrator.contextTokenBudget,
        historyTurns: orchestrator.historyTurns,
      });
      return engine.run(setup.dataset, setup.conversations, (p) => io.err(`${progressLine(label, p)}\n`));
    });
  } finally {
    await dataSource.destroy();
  }
}

async function loadReport(path: string): Promise<ReplayReport> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `cannot read the report ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const report = json as Partial<ReplayReport> | null;
  if (!report || report.kind !== REPORT_KIND || !report.overall || !Array.isArray(report.conversations)) {
    throw new UsageError(`${path} is not a replay report (kind "${REPORT_KIND}")`);
  }
  return report as ReplayReport;
}

async function writeOutputs(report: ReplayReport, out?: string, markdown?: string): Promise<void> {
  if (out) await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  if (markdown) await writeFile(markdown, renderMarkdown(report));
}

const modelOption = (): Option =>
  new Option('--model <model>', 'offline rule engine, or Claude (needs ANTHROPIC_API_KEY)')
    .choices(['offline', 'claude'])
    .default('offline');

interface CommonOptions {
  dataset: string;
  model: string;
  kb: string;
}

export async function main(argv: string[], io: ReplayIo = defaultIo): Promise<number> {
  Logger.overrideLogger(['warn', 'error']);
  let exitCode = 0;
  const program = new Command('replay').description(
    'Replay recorded conversations through a prompt version and a model; gate a candidate against a baseline',
  );
  program.exitOverride();
  program.configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command('run')
    .requiredOption('--dataset <jsonl>', 'recorded conversations, one JSON object per line')
    .requiredOption('--prompt-version <version>', 'prompt version (e.g. sales-assistant-v1)')
    .addOption(modelOption())
    .option('--out <file>', 'write the JSON report here')
    .option('--markdown <file>', 'write the Markdown summary here')
    .option('--kb <dir>', 'knowledge base to ingest', defaultKnowledgeBaseDir())
    .action(async (o: CommonOptions & { promptVersion: string; out?: string; markdown?: string }) => {
      const conversations = await loadDataset(o.dataset);
      selectModel(o.model, o.promptVersion, io.env); // bad input fails before the database work
      const report = await withReplayEnvironment(io, o.kb, (replay) => replay(o.promptVersion, 'run'), {
        model: o.model,
        dataset: o.dataset,
        conversations,
      });
      await writeOutputs(report, o.out, o.markdown);
      io.out(summaryText(report));
    });

  const gate = program
    .command('gate')
    .description('exit 1 when the candidate is worse than the baseline beyond the thresholds, else 0')
    .requiredOption('--dataset <jsonl>', 'recorded conversations, one JSON object per line')
    .requiredOption(
      '--baseline <version|report.json>',
      'baseline prompt version, or a report of an earlier run',
    )
    .requiredOption('--candidate <version>', 'candidate prompt version')
    .addOption(modelOption())
    .option('--kb <dir>', 'knowledge base to ingest', defaultKnowledgeBaseDir())
    .option('--out <file>', "write the candidate's JSON report here")
    .option('--markdown <file>', "write the candidate's Markdown summary here");
  const thresholdFlags: [keyof GateThresholds, string, string][] = [
    ['maxGroundednessDrop', '--max-groundedness-drop <n>', 'mean groundedness may drop by at most n'],
    [
      'maxGroundedShareDrop',
      '--max-grounded-share-drop <n>',
      'share of grounded replies may drop by at most n',
    ],
    ['maxCitationValidityDrop', '--max-citation-validity-drop <n>', 'mean citation validity may drop by n'],
    ['maxRelevanceDrop', '--max-relevance-drop <n>', 'mean relevance may drop by at most n'],
    [
      'maxSchemaValidityDrop',
      '--max-schema-validity-drop <n>',
      'share of schema-valid replies may drop by n',
    ],
    ['maxPolicyFlagIncrease', '--max-policy-flag-increase <n>', 'policy flags may grow by at most n'],
    ['maxFailureRate', '--max-failure-rate <n>', 'failure rate may exceed the baseline by at most n'],
    [
      'maxExpectationsDrop',
      '--max-expectations-drop <n>',
      'share of turns meeting expectations may drop by n',
    ],
    ['maxLatencyP95Increase', '--max-latency-increase <ratio>', 'p95 latency may grow by this ratio (off)'],
    ['maxCostIncrease', '--max-cost-increase <ratio>', 'total cost may grow by this ratio (off)'],
  ];
  for (const [key, flags, description] of thresholdFlags) {
    const fallback = (DEFAULT_THRESHOLDS as GateThresholds)[key];
    gate.option(flags, description, ratio, fallback);
  }
  gate.action(
    async (
      o: CommonOptions & {
        baseline: string;
        candidate: string;
        out?: string;
        markdown?: string;
      } & GateThresholds,
    ) => {
      const conversations = await loadDataset(o.dataset);
      const baselineFile = /\.json$/i.test(o.baseline) ? await loadReport(o.baseline) : undefined;
      if (!baselineFile) selectModel(o.model, o.baseline, io.env);
      selectModel(o.model, o.candidate, io.env);
      const thresholds: GateThresholds = {};
      for (const [key] of thresholdFlags) {
        const value = o[key];
        if (value !== undefined) (thresholds as Record<string, number>)[key] = value;
      }
      const { baseline, candidate } = await withReplayEnvironment(
        io,
        o.kb,
        async (replay) => ({
          baseline: baselineFile ?? (await replay(o.baseline, `baseline ${o.baseline}`)),
          candidate: await replay(o.candidate, `candidate ${o.candidate}`),
        }),
        { model: o.model, dataset: o.dataset, conversations },
      );
      await writeOutputs(candidate, o.out, o.markdown);
      io.out(`baseline  ${summaryText(baseline)}candidate ${summaryText(candidate)}`);
      let result;
      try {
        result = compareReports(baseline, candidate, thresholds);
      } catch (error) {
        if (error instanceof GateInputError) throw new UsageError(error.message);
        throw error;
      }
      io.out(`${formatGate(result)}\n`);
      exitCode = result.passed ? 0 : 1;
    },
  );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; parse errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof DatasetError || error instanceof ConfigError) {
      io.err(`replay: ${error.message}\n`);
      return 2;
    }
    io.err(`replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`replay failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
