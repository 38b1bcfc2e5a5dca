import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CrmChangeProposed, deriveId, newId, Topics, type CrmChangeProposedData } from '@lib/contracts';
import { AlertList, persistenceService } from '@lib/conversation-record';
import { UnitOfWork } from '@lib/database';
import { evaluatorService } from '@lib/evaluation';
import { EventPublisher } from '@lib/messaging';
import type { RunningService } from '@lib/runtime';
import { gatewayService } from '../gateway.service-definition';
import { GatewayClient, startServiceStack, type Json, type ServiceStack } from '../testing/gateway-harness';
import { ALERTS_EXAMPLE } from './alerts.controller';

/**
 * Anomaly alerts end to end, on one test database and the in-process bus: the evaluator (real module, inbox,
 * outbox) is fed a synthetic stream of CRM change proposals; its burst detector raises `alert.raised` once
 * (also when the whole stream is delivered again), persistence stores it, the gateway lists it for the
 * tenant of the API key only, and the webhook receives it signed, after a retry on a 500.
 */
const ADMIN_KEY = 'admin-key-for-the-alerts-test';
const SECRET = 'webhook-secret-for-the-alerts-test';
const BUCKET_MS = 5 * 60_000;
const T0 = Date.parse('2026-11-24T08:00:00.000Z');

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

describe('anomaly alerts (evaluator + persistence + gateway, PostgreSQL)', () => {
  let stack: ServiceStack;
  let evaluator: RunningService;
  let persistence: RunningService;
  let gateway: RunningService;
  let webhook: Server;
  const received: Received[] = [];
  const tenants: { id: string; key: string }[] = [];
  const { get: call, createTenant } = new GatewayClient(() => gateway.url, ADMIN_KEY);

  beforeAll(async () => {
    webhook = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        // The first delivery fails with a 500: the evaluator must retry.
        const status = received.length === 0 ? 500 : 204;
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        response.statusCode = status;
        response.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    stack = await startServiceStack('anomaly_alerts', {
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/alerts`,
      ALERT_WEBHOOK_SECRET: SECRET,
      // The stream's times are fixed in the past: post whatever their age.
      ALERT_WEBHOOK_MAX_AGE_MS: '0',
      ADMIN_API_KEY: ADMIN_KEY,
    });
    persistence = await stack.start(persistenceService, 'PERSISTENCE_URL');
    evaluator = await stack.start(evaluatorService);
    gateway = await stack.start(gatewayService);
    for (const name of ['alerts-a', 'alerts-b']) tenants.push(await createTenant(name));
  });

  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => webhook?.close(resolve));
  });

  /** A proposal of `conversationId` at `at` (one conversation: one partition, so the stream keeps its order). */
  function proposal(conversationId: string, at: number, n: number): CrmChangeProposedData {
    return {
      proposalId: deriveId(conversationId, 'proposal', String(n)),
      conversationId,
      turnId: deriveId(conversationId, 'turn', String(n)),
      entity: 'deal',
      entityId: deriveId(conversationId, 'deal'),
      kind: 'update_deal',
      diff: { amount: { from: n, to: n + 1 } },
      evidence: 'We would like 200 seats.',
      evidenceOrigin: 'prospect',
      source: 'model_tool',
      status: 'proposed',
      proposedAt: new Date(at).toISOString(),
    };
  }

  /** One quiet proposal, 13 empty buckets later a burst of 12 in a minute. */
  async function publishStream(tenantId: string, conversationId: string): Promise<void> {
    const publisher = evaluator.app.get(EventPublisher);
    const times = [T0, ...Array.from({ length: 12 }, (_, i) => T0 + 13 * BUCKET_MS + i * 5_000)];
    for (const [n, at] of times.entries()) {
      await publisher.publish(CrmChangeProposed, proposal(conversationId, at, n), {
        tenantId,
        id: deriveId(conversationId, 'proposal-event', String(n)),
      });
    }
    await stack.bus.drain();
  }

  /** The alert events on the bus (binary CloudEvents: the data is the value, the id a header). */
  const alertRecords = () =>
    stack.bus
      .records(Topics.alerts.name)
      .filter((r) => r.value !== null)
      .map((r) => ({ id: r.headers.ce_id, data: JSON.parse(r.value!.toString('utf8')) as Json }));

  it('raises one crm_write_burst alert, stores it, lists it for its tenant only, posts it signed', async () => {
    const [a, b] = tenants;
    const conversationA = newId();
    await publishStream(a.id, conversationA);
    // The same stream again (same event ids, as after a redelivery): nothing new.
    await publishStream(a.id, conversationA);
    // Tenant b: two proposals, far from a burst.
    const publisher = evaluator.app.get(EventPublisher);
    const conversationB = newId();
    for (const n of [0, 1]) {
      await publisher.publish(CrmChangeProposed, proposal(conversationB, T0 + n * 60_000, n), {
        tenantId: b.id,
      });
    }
    await stack.bus.drain();

    const alerts = alertRecords();
    expect(alerts).toHaveLength(1);
    const alert = alerts[0].data;
    expect(alert).toMatchObject({
      kind: 'crm_write_burst',
      severity: 'warning',
      scope: 'tenant',
      conversationId: conversationA,
      turnId: deriveId(conversationA, 'turn', '10'),
      raisedAt: new Date(T0 + 13 * BUCKET_MS + 9 * 5_000).toISOString(),
    });
    expect(alert.evidence).toMatchObject({ current: 10, threshold: 10, statistic: 'count' });
    expect(alertRecords()[0].id).toBe(deriveId(alert.alertId as string, 'alert.raised'));

    // Persistence stored it; the gateway lists it for tenant a only.
    const listA = await call('/v1/alerts', a.key);
    expect(listA.status).toBe(200);
    const page = AlertList.parse(listA.body);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      alertId: alert.alertId,
      kind: 'crm_write_burst',
      scope: 'tenant',
      severity: 'warning',
      conversationId: conversationA,
      raisedAt: alert.raisedAt,
    });
    expect(page.nextCursor).toBeNull();
    expect((await call('/v1/alerts', b.key)).body).toEqual({ items: [], nextCursor: null });
    expect((await call('/v1/alerts?kind=ungrounded_reply', a.key)).body).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(
      (await call('/v1/alerts?severity=warning&from=2026-11-24&to=2026-11-25', a.key)).body.items,
    ).toHaveLength(1);

    // The webhook: a 500, then the same alert again, signed.
    for (let i = 0; i < 100 && received.length < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.map((r) => r.status)).toEqual([500, 204]);
    const delivered = received[1];
    const body = JSON.parse(delivered.body) as { type: string; tenantId: string; alert: Json };
    expect(body).toMatchObject({ type: 'alert.raised', tenantId: a.id, alert: { alertId: alert.alertId } });
    const timestamp = delivered.headers['x-alert-timestamp'] as string;
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${delivered.body}`).digest('hex')}`;
    expect(delivered.headers['x-alert-signature']).toBe(expected);
    expect(delivered.headers['x-alert-id']).toBe(alert.alertId);
    expect(received[0].body).toBe(delivered.body);
  });

  it('pages newest first with a cursor and answers 400 problem+json on bad parameters', async () => {
    const [a] = tenants;
    const dataSource = persistence.app.get(UnitOfWork).dataSource;
    const conversationId = newId();
    for (const minute of [1, 2, 3]) {
      await dataSource.query(
        `INSERT INTO "persistence"."alerts"
           ("id", "conversation_id", "tenant_id", "severity", "kind", "message", "evidence", "raised_at")
         VALUES ($1, $2, $3, 'critical', 'ungrounded_reply', 'm', '{}', $4)`,
        [newId(), conversationId, a.id, new Date(Date.parse('2026-11-25T00:00:00Z') + minute * 60_000)],
      );
    }
    const first = AlertList.parse((await call('/v1/alerts?limit=2', a.key)).body);
    expect(first.items.map((i) => i.raisedAt)).toEqual([
      '2026-11-25T00:03:00.000Z',
      '2026-11-25T00:02:00.000Z',
    ]);
    expect(first.items[0]).toMatchObject({ scope: 'conversation', turnId: null });
    const second = AlertList.parse(
      (await call(`/v1/alerts?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`, a.key)).body,
    );
    expect(second.items.map((i) => i.kind)).toEqual(['ungrounded_reply', 'crm_write_burst']);
    expect(second.nextCursor).toBeNull();
    expect((await call('/v1/alerts?severity=critical', a.key)).body.items).toHaveLength(3);

    for (const [query, field] of [
      ['severity=urgent', 'severity'],
      ['limit=0', 'limit'],
      ['from=yesterday', 'from'],
      ['from=2026-11-25&to=2026-11-24', 'from'],
      ['sort=asc', 'sort'],
      ['cursor=not-a-cursor', 'cursor'],
    ]) {
      const response = await call(`/v1/alerts?${query}`, a.key);
      expect(response.status).toBe(400);
      expect(response.type).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ field })] });
    }
  });

  it('documents GET /v1/alerts in OpenAPI with an example that matches its schema', async () => {
    const response = await fetch(`${gateway.url}/docs/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, Json>>;
      components: { schemas: Record<string, unknown> };
    };
    const operation = document.paths['/v1/alerts']?.get;
    expect(operation).toBeDefined();
    expect(String(operation.description).length).toBeGreaterThan(50);
    const ok = (operation.responses as Record<string, { content: Record<string, Json> }>)['200'];
    const json = ok.content['application/json'];
    expect(json.schema).toEqual({ $ref: '#/components/schemas/AlertList' });
    expect(document.components.schemas.AlertList).toBeDefined();
    expect(AlertList.parse(json.example)).toEqual(ALERTS_EXAMPLE);
    expect(Object.keys(operation.responses as Json)).toEqual(expect.arrayContaining(['200', '400', '401']));
  });
});
