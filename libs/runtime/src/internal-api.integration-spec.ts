import { Logger } from '@nestjs/common';
import { CommonConfigSchema, ConfigError, loadConfig } from '@lib/config';
import {
  ConversationAnalyticsClient,
  ConversationRecordClient,
  persistenceService,
} from '@lib/conversation-record';
import { InProcessEventBus } from '@lib/messaging';
import { createTestDatabase, type TestDatabase } from '@lib/testing';
import { startService, type RunningService } from './service-app';

const TOKEN = 'internal-api-token-for-the-runtime-test-0123456789';

/**
 * The internal APIs of a real service (persistence, on PostgreSQL) with `INTERNAL_API_TOKEN` set: refused
 * without the token (401 problem+json), served to the clients that send it; health and metrics stay open.
 */
describe('internal API token on a running service', () => {
  let db: TestDatabase;
  let running: RunningService;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    db = await createTestDatabase('runtime_internal_api');
    const config = loadConfig(CommonConfigSchema, {
      DATABASE_URL: db.url,
      MESSAGING_TRANSPORT: 'in-process',
      INTERNAL_API_TOKEN: TOKEN,
      LOG_LEVEL: 'error',
      NODE_ENV: 'test',
    });
    running = await startService(persistenceService, {
      config,
      bus: new InProcessEventBus(),
      migrateOnBoot: true,
      port: 0,
    });
  });

  afterAll(async () => {
    await running?.stop();
    await db?.drop();
  });

  it('answers 401 problem+json to a request without the token, or with another one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-internal-token-at-all-0000000000' },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${running.url}/internal/v1/tenants/t1/conversations`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });

  it('serves the clients that send the token, and refuses those that do not', async () => {
    const list = await new ConversationRecordClient(running.url, { token: TOKEN }).listConversations('t1');
    expect(list.items).toEqual([]);
    await expect(new ConversationRecordClient(running.url).listConversations('t1')).rejects.toMatchObject({
      status: 401,
    });
    const range = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-02T00:00:00Z') };
    const intents = await new ConversationAnalyticsClient(running.url, { token: TOKEN }).intents('t1', range);
    expect(intents.items).toEqual([]);
  });

  it('leaves health and metrics open (probes and Prometheus have no token)', async () => {
    const health = await fetch(`${running.url}/health/live`);
    expect(health.status).toBe(200);
    await health.body?.cancel();
    // 404 here: OpenTelemetry is not started in this test (metrics.integration-spec serves it); not a 401.
    const metrics = await fetch(`${running.url}/metrics`);
    expect(metrics.status).not.toBe(401);
    await metrics.body?.cancel();
  });

  it('refuses to start in production with Kafka and no token', async () => {
    const config = loadConfig(CommonConfigSchema, {
      DATABASE_URL: db.url,
      MESSAGING_TRANSPORT: 'kafka',
      NODE_ENV: 'production',
    });
    await expect(startService(persistenceService, { config, port: 0 })).rejects.toThrow(ConfigError);
  });
});
