import { ConfigError, loadConfig } from '@lib/config';
import { GatewayConfigSchema } from '../gateway.config';

describe('GatewayConfigSchema: CONSOLE_TRACE_VIEWER_URL', () => {
  it('is optional', () => {
    expect(loadConfig(GatewayConfigSchema, {}).CONSOLE_TRACE_VIEWER_URL).toBeUndefined();
  });

  it('accepts an http(s) URL', () => {
    expect(
      loadConfig(GatewayConfigSchema, { CONSOLE_TRACE_VIEWER_URL: 'http://127.0.0.1:16686' })
        .CONSOLE_TRACE_VIEWER_URL,
    ).toBe('http://127.0.0.1:16686');
  });

  it.each(['jaeger', 'javascript:alert(1)', 'ftp://traces.example'])(
    'refuses %s at boot, naming the variable',
    (value) => {
      expect(() => loadConfig(GatewayConfigSchema, { CONSOLE_TRACE_VIEWER_URL: value })).toThrow(ConfigError);
      expect(() => loadConfig(GatewayConfigSchema, { CONSOLE_TRACE_VIEWER_URL: value })).toThrow(
        'CONSOLE_TRACE_VIEWER_URL',
      );
    },
  );
});
