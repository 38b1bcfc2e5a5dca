import { ConfigError } from '@lib/config';
import { loadEvaluatorConfig } from './evaluator.config';

describe('loadEvaluatorConfig', () => {
  it('defaults: thresholds, the built-in competitors, no judge', () => {
    const config = loadEvaluatorConfig({});
    expect(config).toMatchObject({
      groundednessThreshold: 0.6,
      claimSupportRatio: 0.6,
      offTopicThreshold: 0.15,
    });
    expect(config.competitors).toEqual(expect.arrayContaining(['Mixpanel', 'Amplitude', 'Heap']));
    expect(config.judge).toBeUndefined();
  });

  it('adds configured competitors to the built-in ones, once each', () => {
    const config = loadEvaluatorConfig({ EVALUATOR_COMPETITORS: 'Acme Analytics, Mixpanel' });
    expect(config.competitors.filter((c) => c === 'Mixpanel')).toHaveLength(1);
    expect(config.competitors).toContain('Acme Analytics');
  });

  it('configures the Claude judge, and refuses it without an API key, naming the variable', () => {
    expect(
      loadEvaluatorConfig({
        EVALUATOR_JUDGE: 'claude',
        ANTHROPIC_API_KEY: 'k',
        EVALUATOR_JUDGE_MAX_RETRIES: '0',
      }).judge,
    ).toMatchObject({ apiKey: 'k', model: 'claude-haiku-4-5', maxRetries: 0, timeoutMs: 20_000 });
    expect(() => loadEvaluatorConfig({ EVALUATOR_JUDGE: 'claude' })).toThrow(ConfigError);
    expect(() => loadEvaluatorConfig({ EVALUATOR_JUDGE: 'claude' })).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => loadEvaluatorConfig({ EVALUATOR_JUDGE: 'gpt' })).toThrow(/EVALUATOR_JUDGE/);
    expect(() => loadEvaluatorConfig({ EVALUATOR_OFF_TOPIC_THRESHOLD: '2' })).toThrow(
      /EVALUATOR_OFF_TOPIC_THRESHOLD/,
    );
  });
});
