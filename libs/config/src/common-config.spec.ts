import { assertInternalApiToken, CommonConfigSchema } from './common-config';
import { ConfigError, describeConfig, loadConfig } from './config';

const TOKEN = 'x'.repeat(32);

describe('INTERNAL_API_TOKEN', () => {
  it('is required in production with Kafka, and only there', () => {
    expect(() =>
      assertInternalApiToken({
        NODE_ENV: 'production',
        MESSAGING_TRANSPORT: 'kafka',
        INTERNAL_API_TOKEN: undefined,
      }),
    ).toThrow(ConfigError);
    expect(() =>
      assertInternalApiToken({
        NODE_ENV: 'production',
        MESSAGING_TRANSPORT: 'kafka',
        INTERNAL_API_TOKEN: TOKEN,
      }),
    ).not.toThrow();
    expect(() =>
      assertInternalApiToken({
        NODE_ENV: 'production',
        MESSAGING_TRANSPORT: 'in-process',
        INTERNAL_API_TOKEN: undefined,
      }),
    ).not.toThrow();
    expect(() =>
      assertInternalApiToken({
        NODE_ENV: 'development',
        MESSAGING_TRANSPORT: 'kafka',
        INTERNAL_API_TOKEN: undefined,
      }),
    ).not.toThrow();
  });

  it('refuses a short token and never shows its value', () => {
    const short = 'short-internal-token';
    let error: unknown;
    try {
      loadConfig(CommonConfigSchema, { INTERNAL_API_TOKEN: short });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/INTERNAL_API_TOKEN/);
    expect(String(error)).not.toContain(short);
    const config = loadConfig(CommonConfigSchema, { INTERNAL_API_TOKEN: TOKEN });
    expect(JSON.stringify(describeConfig(CommonConfigSchema, config))).not.toContain(TOKEN);
  });
});
