import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { newId } from '@lib/contracts';
import { AlertWebhook, signAlertBody, type AlertWebhookBody } from './alert-webhook';

/** The webhook client against a local HTTP server whose answers the test scripts. */
describe('AlertWebhook (local HTTP server)', () => {
  let server: Server;
  let url: string;
  let answers: number[] = [];
  let delayMs = 0;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const status = answers.shift() ?? 200;
        setTimeout(() => {
          response.statusCode = status;
          response.end();
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    answers = [];
    delayMs = 0;
  });

  const body = (): AlertWebhookBody => ({
    type: 'alert.raised',
    eventId: newId(),
    tenantId: 'tenant-a',
    alert: {
      alertId: newId(),
      conversationId: newId(),
      severity: 'critical',
      kind: 'error_rate_spike',
      scope: 'tenant',
      message: 'Error rate 0.9 over the last 30 turns.',
      evidence: { baseline: 0.05, current: 0.9 },
      raisedAt: '2026-11-24T08:00:00.000Z',
    },
  });

  const webhook = (options: { secret?: string; maxRetries?: number; timeoutMs?: number } = {}) =>
    new AlertWebhook({
      anomalyDetection: true,
      cooldownMs: 0,
      stateSaveMs: 0,
      webhook: {
        url,
        ...(options.secret === undefined ? {} : { secret: options.secret }),
        timeoutMs: options.timeoutMs ?? 2_000,
        maxRetries: options.maxRetries ?? 2,
        maxAgeMs: 3_600_000,
        initialDelayMs: 10,
      },
    });

  it('posts the alert JSON signed with the secret, retrying a 500 and a 429', async () => {
    answers = [500, 429, 204];
    const alert = body();
    await expect(webhook({ secret: 'a-long-enough-secret' }).dispatch(alert)).resolves.toBe(true);
    expect(received).toHaveLength(3);
    const last = received[2];
    expect(JSON.parse(last.body)).toEqual(alert);
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers['x-alert-id']).toBe(alert.alert.alertId);
    const timestamp = last.headers['x-alert-timestamp'] as string;
    expect(last.headers['x-alert-signature']).toBe(
      signAlertBody('a-long-enough-secret', timestamp, last.body),
    );
    expect(last.headers['x-alert-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('gives up after the retries (1 + maxRetries attempts) and does not retry a 400', async () => {
    answers = [500, 502, 503, 200];
    await expect(webhook({ maxRetries: 2 }).dispatch(body())).resolves.toBe(false);
    expect(received).toHaveLength(3);
    expect(received[0].headers['x-alert-signature']).toBeUndefined();

    received.length = 0;
    answers = [400];
    await expect(webhook().dispatch(body())).resolves.toBe(false);
    expect(received).toHaveLength(1);
  });

  it('times out a slow receiver and retries; shutdown waits for deliveries in flight', async () => {
    delayMs = 400;
    const hook = webhook({ timeoutMs: 100, maxRetries: 1 });
    const delivery = hook.dispatch(body());
    await hook.onApplicationShutdown();
    await expect(delivery).resolves.toBe(false);
    expect(received).toHaveLength(2);
  });

  it('posts only recent alerts, and nothing without a URL', async () => {
    const alert = body().alert;
    const raisedAt = Date.parse(alert.raisedAt);
    expect(webhook().accepts(alert, raisedAt + 3_600_000)).toBe(true);
    expect(webhook().accepts(alert, raisedAt + 3_600_001)).toBe(false);
    const hook = new AlertWebhook({ anomalyDetection: true, cooldownMs: 0, stateSaveMs: 0 });
    expect(hook.enabled).toBe(false);
    expect(hook.accepts(alert, raisedAt)).toBe(false);
    await expect(hook.dispatch(body())).resolves.toBe(false);
    expect(received).toHaveLength(0);
  });
});
