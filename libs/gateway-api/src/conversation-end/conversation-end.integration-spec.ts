import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { ConversationEnded } from '@lib/contracts';
import { buildOpenApiDocument } from '../http/openapi';
import {
  GatewayClient,
  RecordingSink,
  startGatewayApp,
  type GatewayTestApp,
} from '../testing/gateway-harness';

const ADMIN_KEY = 'admin-key-for-the-end-test';

const sink = new RecordingSink();

describe('POST /v1/conversations/{id}/end (PostgreSQL, Nest HTTP app)', () => {
  let gateway: GatewayTestApp;
  let app: INestApplication;
  let keyA: string;
  let keyB: string;

  const { call, createTenant, startConversation: start } = new GatewayClient(() => gateway.url, ADMIN_KEY);

  beforeAll(async () => {
    // Persistence's read API knows no conversation (the gateway then answers with its pending view).
    gateway = await startGatewayApp('gateway_conversation_end', sink, {
      ADMIN_API_KEY: ADMIN_KEY,
      RETENTION_SWEEP_INTERVAL_MS: '0',
    });
    app = gateway.app;

    ({ key: keyA } = await createTenant('tenant-a', {}));
    ({ key: keyB } = await createTenant('tenant-b', {}));
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers 202 and publishes conversation.ended once, however often it is ended', async () => {
    const id = await start(keyA);
    const first = await call('POST', `/v1/conversations/${id}/end`, { key: keyA });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      conversationId: id,
      status: 'ended',
      reason: 'closed',
      endedAt: expect.any(String) as string,
    });
    await gateway.drain();
    const again = await call('POST', `/v1/conversations/${id}/end`, { key: keyA });
    expect(again).toMatchObject({ status: 202, body: first.body });
    await gateway.drain();
    const events = sink.of(ConversationEnded, id);
    expect(events).toHaveLength(1);
    expect(events[0].data).toEqual({ conversationId: id, reason: 'closed', endedAt: first.body.endedAt });
  });

  it('accepts turns after the end (the idle evaluation covers them)', async () => {
    const id = await start(keyA);
    expect((await call('POST', `/v1/conversations/${id}/end`, { key: keyA })).status).toBe(202);
    const turn = await call('POST', `/v1/conversations/${id}/turns`, {
      key: keyA,
      body: { role: 'prospect', text: 'One more thing' },
    });
    expect(turn.status).toBe(202);
  });

  it("answers 404 for another tenant's conversation or an unknown one, 400 for a bad id, 410 once deleted", async () => {
    const id = await start(keyA);
    const other = await call('POST', `/v1/conversations/${id}/end`, { key: keyB });
    expect(other.status).toBe(404);
    expect(other.type).toContain('application/problem+json');
    expect(
      (await call('POST', `/v1/conversations/0197a000-0000-7000-8000-00000000ffff/end`, { key: keyA }))
        .status,
    ).toBe(404);
    const bad = await call('POST', `/v1/conversations/not-a-uuid/end`, { key: keyA });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);

    expect((await call('DELETE', `/v1/conversations/${id}`, { key: keyA })).status).toBe(202);
    const gone = await call('POST', `/v1/conversations/${id}/end`, { key: keyA });
    expect(gone.status).toBe(410);
    expect((await call('POST', `/v1/conversations/${id}/end`, { key: keyB })).status).toBe(404);
    await gateway.drain();
    expect(sink.of(ConversationEnded, id)).toHaveLength(0);
    expect((await call('POST', `/v1/conversations/${id}/end`)).status).toBe(401);
  });

  it('documents the route in the OpenAPI document', () => {
    const document = buildOpenApiDocument(app) as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    const route = document.paths['/v1/conversations/{id}/end'];
    expect(Object.keys(route.post.responses)).toEqual(expect.arrayContaining(['202', '404', '410']));
    expect(document.components.schemas.ConversationEnd).toBeDefined();
  });
});
