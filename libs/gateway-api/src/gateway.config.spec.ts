import { ConfigError, loadConfig } from '@lib/config';
import { GatewayConfigSchema } from './gateway.config';

describe('GatewayConfigSchema: retention sweep', () => {
  it('sweeps hourly, 500 conversations at most, by default', () => {
    expect(loadConfig(GatewayConfigSchema, {})).toMatchObject({
      RETENTION_SWEEP_INTERVAL_MS: 3_600_000,
      RETENTION_SWEEP_BATCH: 500,
    });
  });

  it('accepts 0 (no sweep) and intervals of a second or more', () => {
    expect(
      loadConfig(GatewayConfigSchema, { RETENTION_SWEEP_INTERVAL_MS: '0' }).RETENTION_SWEEP_INTERVAL_MS,
    ).toBe(0);
    expect(
      loadConfig(GatewayConfigSchema, { RETENTION_SWEEP_INTERVAL_MS: '60000' }).RETENTION_SWEEP_INTERVAL_MS,
    ).toBe(60_000);
  });

  it.each([
    ['RETENTION_SWEEP_INTERVAL_MS', '500'],
    ['RETENTION_SWEEP_INTERVAL_MS', '-1'],
    ['RETENTION_SWEEP_INTERVAL_MS', 'hourly'],
    ['RETENTION_SWEEP_BATCH', '0'],
    ['RETENTION_SWEEP_BATCH', '20000'],
  ])('refuses %s=%s at boot, naming the variable', (name, value) => {
    expect(() => loadConfig(GatewayConfigSchema, { [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig(GatewayConfigSchema, { [name]: value })).toThrow(name);
  });
});
