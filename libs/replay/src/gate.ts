import type { ReplayMetrics, ReplayReport } from './report';

/** How much worse the candidate may be than the baseline, per metric. Absent: the metric is not gated. */
export interface GateThresholds {
  /** Mean groundedness may drop by at most this (absolute). */
  readonly maxGroundednessDrop?: number;
  /** Share of grounded replies may drop by at most this (absolute). */
  readonly maxGroundedShareDrop?: number;
  /** Mean citation validity may drop by at most this (absolute). */
  readonly maxCitationValidityDrop?: number;
  /** Mean relevance to the prospect's message may drop by at most this (absolute). */
  readonly maxRelevanceDrop?: number;
  /** Share of schema-valid replies may drop by at most this (absolute). */
  readonly maxSchemaValidityDrop?: number;
  /** Total policy flags may grow by at most this many. */
  readonly maxPolicyFlagIncrease?: number;
  /** Failure rate (failed turns / turns) may grow by at most this (absolute). */
  readonly maxFailureRate?: number;
  /** Share of turns meeting their recorded expectations may drop by at most this (absolute). */
  readonly maxExpectationsDrop?: number;
  /** p95 latency may grow by at most this ratio (0.5 = +50%). Off by default: latency is noisy. */
  readonly maxLatencyP95Increase?: number;
  /** Total cost may grow by at most this ratio. Off by default. */
  readonly maxCostIncrease?: number;
}

export const DEFAULT_THRESHOLDS: Required<Omit<GateThresholds, 'maxLatencyP95Increase' | 'maxCostIncrease'>> =
  Object.freeze({
    maxGroundednessDrop: 0.05,
    maxGroundedShareDrop: 0.05,
    maxCitationValidityDrop: 0.05,
    maxRelevanceDrop: 0.05,
    maxSchemaValidityDrop: 0.05,
    maxPolicyFlagIncrease: 0,
    maxFailureRate: 0,
    maxExpectationsDrop: 0.05,
  });

export interface GateCheck {
  readonly metric: keyof ReplayMetrics;
  readonly baseline: number;
  readonly candidate: number;
  /** How much worse the candidate may be (absolute, or a ratio for `relative` checks). */
  readonly allowedDelta: number;
  /** The candidate's change in the "worse" direction (positive = worse). Ratio when `relative`. */
  readonly worseBy: number;
  readonly relative: boolean;
  readonly passed: boolean;
}

export interface GateResult {
  readonly passed: boolean;
  readonly checks: readonly GateCheck[];
  readonly failures: readonly GateCheck[];
}

/** The candidate must cover the same conversations as the baseline, else the comparison means nothing. */
export class GateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateInputError';
  }
}

// A tiny epsilon so a delta exactly at the threshold passes despite floating-point rounding.
const EPSILON = 1e-9;

interface Rule {
  readonly metric: keyof ReplayMetrics;
  readonly threshold: keyof GateThresholds;
  readonly higherIsBetter: boolean;
  readonly relative?: boolean;
}

const RULES: readonly Rule[] = [
  { metric: 'groundednessMean', threshold: 'maxGroundednessDrop', higherIsBetter: true },
  { metric: 'groundedShare', threshold: 'maxGroundedShareDrop', higherIsBetter: true },
  { metric: 'citationValidityMean', threshold: 'maxCitationValidityDrop', higherIsBetter: true },
  { metric: 'relevanceMean', threshold: 'maxRelevanceDrop', higherIsBetter: true },
  { metric: 'schemaValidityRate', threshold: 'maxSchemaValidityDrop', higherIsBetter: true },
  { metric: 'policyFlags', threshold: 'maxPolicyFlagIncrease', higherIsBetter: false },
  { metric: 'failureRate', threshold: 'maxFailureRate', higherIsBetter: false },
  { metric: 'expectationsMetRate', threshold: 'maxExpectationsDrop', higherIsBetter: true },
  { metric: 'latencyP95Ms', threshold: 'maxLatencyP95Increase', higherIsBetter: false, relative: true },
  { metric: 'costUsd', threshold: 'maxCostIncrease', higherIsBetter: false, relative: true },
];

/** Compares the overall metrics of two replays of the same dataset. Pure. */
export function compareReports(
  baseline: ReplayReport,
  candidate: ReplayReport,
  thresholds: GateThresholds = DEFAULT_THRESHOLDS,
): GateResult {
  const ids = (r: ReplayReport): string =>
    r.conversations
      .map((c) => c.id)
      .sort()
      .join('\n');
  if (ids(baseline) !== ids(candidate)) {
    throw new GateInputError(
      `baseline (${baseline.dataset}, ${baseline.conversations.length} conversations) and candidate ` +
        `(${candidate.dataset}, ${candidate.conversations.length} conversations) are not the same dataset`,
    );
  }
  return compareMetrics(baseline.overall, candidate.overall, thresholds);
}

export function compareMetrics(
  baseline: ReplayMetrics,
  candidate: ReplayMetrics,
  thresholds: GateThresholds,
): GateResult {
  const checks: GateCheck[] = [];
  for (const rule of RULES) {
    const allowed = thresholds[rule.threshold];
    const b = baseline[rule.metric];
    const c = candidate[rule.metric];
    if (allowed === undefined || typeof b !== 'number' || typeof c !== 'number') continue;
    const diff = rule.higherIsBetter ? b - c : c - b;
    const relative = rule.relative === true;
    const worseBy = relative ? (b === 0 ? (diff > 0 ? Number.POSITIVE_INFINITY : 0) : diff / b) : diff;
    checks.push({
      metric: rule.metric,
      baseline: b,
      candidate: c,
      allowedDelta: allowed,
      worseBy,
      relative,
      passed: worseBy <= allowed + EPSILON,
    });
  }
  const failures = checks.filter((c) => !c.passed);
  return { passed: failures.length === 0, checks, failures };
}

/** One line per check: metric, baseline, candidate, allowed delta, verdict. */
export function formatGate(result: GateResult): string {
  const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(4));
  const lines = result.checks.map((c) => {
    const allowed = c.relative ? `+${(c.allowedDelta * 100).toFixed(0)}%` : fmt(c.allowedDelta);
    const worse = c.relative ? `${(c.worseBy * 100).toFixed(1)}%` : fmt(c.worseBy);
    return (
      `${c.passed ? 'ok  ' : 'FAIL'} ${c.metric}: baseline ${fmt(c.baseline)}, candidate ${fmt(c.candidate)}, ` +
      `worse by ${worse}, allowed ${allowed}`
    );
  });
  lines.push(
    result.passed
      ? 'gate passed: the candidate is not worse than the baseline beyond the thresholds'
      : `gate FAILED: ${result.failures.map((f) => f.metric).join(', ')} worse than allowed`,
  );
  return lines.join('\n');
}
