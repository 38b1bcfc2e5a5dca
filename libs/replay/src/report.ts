import type { ModelInfo, PolicyFlag } from '@lib/contracts';

/** What one replayed prospect turn gave. */
export interface TurnResult {
  /** Position of the turn in the recorded conversation, from 0. */
  readonly index: number;
  readonly message: string;
  readonly status: 'replied' | 'failed';
  readonly reply?: string;
  readonly citations: readonly string[];
  readonly scores?: {
    readonly groundedness: number;
    readonly grounded: boolean;
    readonly citationValidity: number;
    /** How much the reply answers the prospect's message (the evaluator's deterministic relevance, 0..1). */
    readonly relevance: number;
    readonly schemaValid: boolean;
    readonly schemaIssues: readonly string[];
    readonly unsupportedClaims: readonly string[];
  };
  readonly policyFlags: readonly PolicyFlag[];
  readonly failure?: { readonly code: string; readonly message: string };
  readonly toolCalls: number;
  readonly latencyMs: number;
  readonly toolsMs: number;
  readonly generationMs: number;
  readonly usage: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly costUsd: number;
    readonly modelCalls: number;
  };
  /** The recorded expectations of the turn and whether the analysis met them. */
  readonly expected?: {
    readonly intents?: { readonly expected: readonly string[]; readonly missing: readonly string[] };
    readonly stage?: { readonly expected: string; readonly actual?: string };
    readonly met: boolean;
  };
}

/** Aggregates over the replayed prospect turns (per conversation and overall). */
export interface ReplayMetrics {
  readonly turns: number;
  readonly replies: number;
  readonly failures: number;
  /** failures / turns (0 when no turn). */
  readonly failureRate: number;
  /** Mean groundedness of the replies (0 when there is none). */
  readonly groundednessMean: number;
  /** Share of replies scored `grounded`. */
  readonly groundedShare: number;
  /** Mean citation validity of the replies. */
  readonly citationValidityMean: number;
  /** Mean relevance of the replies to the prospect's message. */
  readonly relevanceMean: number;
  /** Share of replies whose output is schema-valid (including "cites when it makes claims"). */
  readonly schemaValidityRate: number;
  /** Policy flags raised on the replies, in total and by kind. */
  readonly policyFlags: number;
  readonly policyFlagsByKind: Readonly<Record<string, number>>;
  /** Share of turns with expectations that met them (null when no turn has expectations). */
  readonly expectationsMetRate: number | null;
  readonly latencyMeanMs: number;
  readonly latencyP95Ms: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

export interface ConversationResult {
  readonly id: string;
  readonly mode: string;
  readonly turns: readonly TurnResult[];
  readonly metrics: ReplayMetrics;
}

export const REPORT_KIND = 'sales-agent.replay-report';

export interface ReplayReport {
  readonly kind: typeof REPORT_KIND;
  readonly version: 1;
  readonly dataset: string;
  readonly promptVersion: string;
  readonly model: ModelInfo;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly conversations: readonly ConversationResult[];
  readonly overall: ReplayMetrics;
}

const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;

const share = (count: number, total: number): number => (total === 0 ? 0 : count / total);

/** The nearest-rank percentile (p in 0..100) of the values; 0 when there is none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (value: number, digits = 4): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Aggregates turn results. Pure. */
export function aggregate(turns: readonly TurnResult[]): ReplayMetrics {
  const replies = turns.filter((t) => t.status === 'replied' && t.scores);
  const scores = replies.map((t) => t.scores!);
  const flags = turns.flatMap((t) => t.policyFlags);
  const byKind: Record<string, number> = {};
  for (const flag of flags) byKind[flag.kind] = (byKind[flag.kind] ?? 0) + 1;
  const withExpectations = turns.filter((t) => t.expected);
  const latencies = turns.map((t) => t.latencyMs);
  return {
    turns: turns.length,
    replies: replies.length,
    failures: turns.filter((t) => t.status === 'failed').length,
    failureRate: round(share(turns.filter((t) => t.status === 'failed').length, turns.length)),
    groundednessMean: round(mean(scores.map((s) => s.groundedness))),
    groundedShare: round(share(scores.filter((s) => s.grounded).length, scores.length)),
    citationValidityMean: round(mean(scores.map((s) => s.citationValidity))),
    relevanceMean: round(mean(scores.map((s) => s.relevance))),
    schemaValidityRate: round(share(scores.filter((s) => s.schemaValid).length, scores.length)),
    policyFlags: flags.length,
    policyFlagsByKind: byKind,
    expectationsMetRate:
      withExpectations.length === 0
        ? null
        : round(share(withExpectations.filter((t) => t.expected!.met).length, withExpectations.length)),
    latencyMeanMs: round(mean(latencies), 1),
    latencyP95Ms: round(percentile(latencies, 95), 1),
    inputTokens: turns.reduce((sum, t) => sum + t.usage.inputTokens, 0),
    outputTokens: turns.reduce((sum, t) => sum + t.usage.outputTokens, 0),
    costUsd: round(
      turns.reduce((sum, t) => sum + t.usage.costUsd, 0),
      6,
    ),
  };
}

export function buildReport(input: Omit<ReplayReport, 'kind' | 'version' | 'overall'>): ReplayReport {
  return {
    kind: REPORT_KIND,
    version: 1,
    ...input,
    overall: aggregate(input.conversations.flatMap((c) => c.turns)),
  };
}

const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
const num = (value: number): string => value.toFixed(3);
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** A Markdown summary of a report: overall figures, a row per conversation, the failures and flags. */
export function renderMarkdown(report: ReplayReport): string {
  const o = report.overall;
  const lines = [
    `# Replay report: ${report.promptVersion} (${report.model.provider} ${report.model.name})`,
    '',
    `Dataset \`${report.dataset}\`: ${report.conversations.length} conversations, ${o.turns} prospect turns, ` +
      `${(report.durationMs / 1000).toFixed(1)} s, started ${report.startedAt}.`,
    '',
    '| metric | value |',
    '| --- | --- |',
    `| groundedness (mean) | ${num(o.groundednessMean)} |`,
    `| grounded replies | ${pct(o.groundedShare)} |`,
    `| citation validity (mean) | ${num(o.citationValidityMean)} |`,
    `| relevance (mean) | ${num(o.relevanceMean)} |`,
    `| schema-valid replies | ${pct(o.schemaValidityRate)} |`,
    `| policy flags | ${o.policyFlags}${
      Object.keys(o.policyFlagsByKind).length
        ? ` (${Object.entries(o.policyFlagsByKind)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''
    } |`,
    `| failed turns | ${o.failures} (${pct(o.failureRate)}) |`,
    `| expectations met | ${o.expectationsMetRate === null ? 'n/a' : pct(o.expectationsMetRate)} |`,
    `| latency mean / p95 | ${o.latencyMeanMs} ms / ${o.latencyP95Ms} ms |`,
    `| tokens in / out | ${o.inputTokens} / ${o.outputTokens} |`,
    `| cost | $${o.costUsd.toFixed(4)} |`,
    '',
    '## Conversations',
    '',
    '| conversation | turns | groundedness | grounded | citations valid | schema valid | flags | failures | latency p95 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.conversations.map((c) => {
      const m = c.metrics;
      return (
        `| ${cell(c.id)} | ${m.turns} | ${num(m.groundednessMean)} | ${pct(m.groundedShare)} | ` +
        `${num(m.citationValidityMean)} | ${pct(m.schemaValidityRate)} | ${m.policyFlags} | ${m.failures} | ` +
        `${m.latencyP95Ms} ms |`
      );
    }),
  ];
  const problems = report.conversations.flatMap((c) =>
    c.turns.flatMap((t) => [
      ...(t.failure
        ? [`- ${c.id} turn ${t.index}: failed (${t.failure.code}) ${cell(t.failure.message)}`]
        : []),
      ...(t.scores && !t.scores.schemaValid
        ? [`- ${c.id} turn ${t.index}: schema invalid: ${cell(t.scores.schemaIssues.join('; '))}`]
        : []),
      ...(t.scores && !t.scores.grounded
        ? [`- ${c.id} turn ${t.index}: ungrounded (${num(t.scores.groundedness)})`]
        : []),
      ...t.policyFlags.map((f) => `- ${c.id} turn ${t.index}: policy ${f.kind} (${f.severity})`),
    ]),
  );
  if (problems.length > 0) lines.push('', '## Findings', '', ...problems);
  return `${lines.join('\n')}\n`;
}
