import { compareMetrics, compareReports, DEFAULT_THRESHOLDS, formatGate, GateInputError } from './gate';
import { aggregate, buildReport, type ReplayMetrics, type ReplayReport } from './report';

const base: ReplayMetrics = {
  ...aggregate([]),
  turns: 10,
  replies: 10,
  groundednessMean: 0.9,
  groundedShare: 0.9,
  citationValidityMean: 1,
  relevanceMean: 0.5,
  schemaValidityRate: 1,
  policyFlags: 1,
  failureRate: 0,
  expectationsMetRate: 0.8,
  latencyP95Ms: 100,
  costUsd: 0.01,
};

describe('replay gate', () => {
  it('passes the baseline against itself and within the thresholds (the boundary included)', () => {
    expect(compareMetrics(base, base, DEFAULT_THRESHOLDS).passed).toBe(true);
    const within = { ...base, groundednessMean: 0.85, schemaValidityRate: 0.95 };
    const result = compareMetrics(base, within, DEFAULT_THRESHOLDS);
    expect(result.passed).toBe(true);
    expect(result.checks.map((c) => c.metric)).toEqual([
      'groundednessMean',
      'groundedShare',
      'citationValidityMean',
      'relevanceMean',
      'schemaValidityRate',
      'policyFlags',
      'failureRate',
      'expectationsMetRate',
    ]);
  });

  it('fails on each metric worse beyond its threshold, naming baseline, candidate and allowed delta', () => {
    const worse = { ...base, groundednessMean: 0.8, policyFlags: 2, failureRate: 0.1 };
    const result = compareMetrics(base, worse, DEFAULT_THRESHOLDS);
    expect(result.passed).toBe(false);
    expect(result.failures.map((f) => [f.metric, f.baseline, f.candidate, f.allowedDelta])).toEqual([
      ['groundednessMean', 0.9, 0.8, 0.05],
      ['policyFlags', 1, 2, 0],
      ['failureRate', 0, 0.1, 0],
    ]);
    const text = formatGate(result);
    expect(text).toContain(
      'FAIL groundednessMean: baseline 0.9000, candidate 0.8000, worse by 0.1000, allowed 0.0500',
    );
    expect(text).toContain('gate FAILED: groundednessMean, policyFlags, failureRate');
  });

  it('better is never a failure; relative thresholds only when given', () => {
    const better = { ...base, groundednessMean: 1, policyFlags: 0, latencyP95Ms: 1000, costUsd: 1 };
    expect(compareMetrics(base, better, DEFAULT_THRESHOLDS).passed).toBe(true);
    const result = compareMetrics(base, better, { maxLatencyP95Increase: 0.5, maxCostIncrease: 200 });
    expect(result.failures.map((f) => f.metric)).toEqual(['latencyP95Ms']);
    expect(result.failures[0].worseBy).toBeCloseTo(9);
    expect(formatGate(result)).toContain('allowed +50%');
  });

  it('skips expectations when a side has none', () => {
    const result = compareMetrics(base, { ...base, expectationsMetRate: null }, DEFAULT_THRESHOLDS);
    expect(result.checks.some((c) => c.metric === 'expectationsMetRate')).toBe(false);
  });

  it('refuses reports of different datasets', () => {
    const report = (ids: string[]): ReplayReport =>
      buildReport({
        dataset: 'd',
        promptVersion: 'v',
        model: { provider: 'offline', name: 'n', promptVersion: 'v' },
        startedAt: '2026-11-24T12:00:00.000Z',
        durationMs: 1,
        conversations: ids.map((id) => ({ id, mode: 'assist', turns: [], metrics: aggregate([]) })),
      });
    expect(compareReports(report(['a', 'b']), report(['b', 'a'])).passed).toBe(true);
    expect(() => compareReports(report(['a']), report(['a', 'b']))).toThrow(GateInputError);
  });
});
