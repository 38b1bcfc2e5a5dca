import { ConfigError, describeConfig } from '@lib/config';
import { AnthropicConfigSchema, isAnthropicConfigured, loadAnthropicConfig } from './anthropic.config';

describe('AnthropicConfigSchema', () => {
  it('has defaults, and needs the key', () => {
    const config = loadAnthropicConfig({ ANTHROPIC_API_KEY: 'sk-ant-x' });
    expect(config).toMatchObject({
      model: 'claude-sonnet-4-6',
      maxTokens: 2048,
      timeoutMs: 60000,
      maxRetries: 3,
      captureContent: false,
      promptVersion: 'sales-assistant-v1',
    });
    expect(config.temperature).toBeUndefined();
    expect(() => loadAnthropicConfig({})).toThrow(ConfigError);
    expect(isAnthropicConfigured({})).toBe(false);
    expect(isAnthropicConfigured({ ANTHROPIC_API_KEY: '  ' })).toBe(false);
    expect(isAnthropicConfigured({ ANTHROPIC_API_KEY: 'sk-ant-x' })).toBe(true);
  });

  it('masks the key when described, and checks price overrides come in pairs', () => {
    const parsed = AnthropicConfigSchema.parse({ ANTHROPIC_API_KEY: 'sk-ant-secret' });
    expect(JSON.stringify(describeConfig(AnthropicConfigSchema, parsed))).not.toContain('sk-ant-secret');
    expect(() =>
      loadAnthropicConfig({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_PRICE_INPUT_PER_MTOK: '2' }),
    ).toThrow(/ANTHROPIC_PRICE_OUTPUT_PER_MTOK/);
    const priced = loadAnthropicConfig({
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_PRICE_INPUT_PER_MTOK: '2',
      ANTHROPIC_PRICE_OUTPUT_PER_MTOK: '10',
    });
    expect(priced.priceOverride).toEqual({ input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 });
  });
});
