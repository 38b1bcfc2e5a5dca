import type { PolicyFlag } from '@lib/contracts';
import { aggregate, buildReport, percentile, renderMarkdown, type TurnResult } from './report';

const flag: PolicyFlag = { kind: 'off_topic', severity: 'warning', evidence: 'red wine' };

function turn(
  overrides: Partial<TurnResult> & { groundedness?: number; schemaValid?: boolean } = {},
): TurnResult {
  const { groundedness = 1, schemaValid = true, ...rest } = overrides;
  return {
    index: 0,
    message: 'How much?',
    status: 'replied',
    reply: 'It costs this.',
    citations: ['kb:a#0'],
    scores: {
      groundedness,
      grounded: groundedness >= 0.6,
      citationValidity: 1,
      relevance: 0.5,
      schemaValid,
      schemaIssues: schemaValid ? [] : ['citations: empty'],
      unsupportedClaims: [],
    },
    policyFlags: [],
    toolCalls: 2,
    latencyMs: 10,
    toolsMs: 4,
    generationMs: 6,
    usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.001, modelCalls: 2 },
    ...rest,
  };
}

const failed = (): TurnResult =>
  turn({
    status: 'failed',
    scores: undefined,
    reply: undefined,
    failure: { code: 'model_timeout', message: 't' },
    latencyMs: 50,
  });

describe('replay report aggregation', () => {
  it('means over replies, shares, failures, flags by kind, tokens and cost over every turn', () => {
    const m = aggregate([
      turn({ groundedness: 1 }),
      turn({ groundedness: 0.5, schemaValid: false, policyFlags: [flag, flag] }),
      failed(),
      turn({ groundedness: 0.9, expected: { intents: { expected: ['x'], missing: [] }, met: true } }),
    ]);
    expect(m).toMatchObject({
      turns: 4,
      replies: 3,
      failures: 1,
      failureRate: 0.25,
      groundednessMean: 0.8,
      groundedShare: 0.6667,
      citationValidityMean: 1,
      relevanceMean: 0.5,
      schemaValidityRate: 0.6667,
      policyFlags: 2,
      policyFlagsByKind: { off_topic: 2 },
      expectationsMetRate: 1,
      latencyMeanMs: 20,
      latencyP95Ms: 50,
      inputTokens: 400,
      outputTokens: 80,
      costUsd: 0.004,
    });
  });

  it('is all zeros (and n/a expectations) with nothing replayed', () => {
    const m = aggregate([]);
    expect(m.groundednessMean).toBe(0);
    expect(m.failureRate).toBe(0);
    expect(m.expectationsMetRate).toBeNull();
  });

  it('nearest-rank percentile', () => {
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([], 95)).toBe(0);
  });

  it('builds the overall figures across conversations and renders the Markdown findings', () => {
    const conversations = [
      { id: 'a', mode: 'autonomous', turns: [turn()], metrics: aggregate([turn()]) },
      {
        id: 'b|c',
        mode: 'assist',
        turns: [failed(), turn({ index: 1, schemaValid: false })],
        metrics: aggregate([failed()]),
      },
    ];
    const report = buildReport({
      dataset: 'd.jsonl',
      promptVersion: 'v1',
      model: { provider: 'offline', name: 'rules', promptVersion: 'v1' },
      startedAt: '2026-11-24T12:00:00.000Z',
      durationMs: 1500,
      conversations,
    });
    expect(report.overall.turns).toBe(3);
    expect(report.overall.failures).toBe(1);
    const md = renderMarkdown(report);
    expect(md).toContain('# Replay report: v1 (offline rules)');
    expect(md).toContain('| schema-valid replies | 50.0% |');
    expect(md).toContain('| b\\|c | 1 |');
    expect(md).toContain('- b|c turn 0: failed (model_timeout) t');
    expect(md).toContain('- b|c turn 1: schema invalid: citations: empty');
  });
});
