import { loadConversationEvaluationConfig } from './conversation-evaluation.config';

describe('loadConversationEvaluationConfig', () => {
  it('defaults to 30 minutes idle, a sweep a minute, 200 per sweep', () => {
    expect(loadConversationEvaluationConfig({})).toEqual({
      idleAfterMs: 1_800_000,
      sweepIntervalMs: 60_000,
      sweepBatch: 200,
    });
    expect(loadConversationEvaluationConfig({ EVALUATOR_IDLE_SWEEP_INTERVAL_MS: '0' }).sweepIntervalMs).toBe(
      0,
    );
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => loadConversationEvaluationConfig({ EVALUATOR_IDLE_SWEEP_INTERVAL_MS: '500' })).toThrow(
      /EVALUATOR_IDLE_SWEEP_INTERVAL_MS/,
    );
    expect(() => loadConversationEvaluationConfig({ EVALUATOR_IDLE_AFTER_MS: 'soon' })).toThrow(
      /EVALUATOR_IDLE_AFTER_MS/,
    );
  });
});
