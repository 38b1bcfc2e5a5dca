import 'reflect-metadata';
import { Global, Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConversationEnded,
  fromKafkaRecord,
  type EventDefinition,
  type EventEnvelope,
  type KafkaRecord,
} from '@lib/contracts';
import { DatabaseModule, type PostgresOutbox } from '@lib/database';
import { DefaultEventPublisher, EventPublisher, RecordSink, TransactionalOutbox } from '@lib/messaging';
import { createTestDatabase, type TestDatabase } from '@lib/testing';
import { GATEWAY_DATABASE } from '../gateway.database';
import { GatewayApiModule } from '../gateway-api.module';
import { buildOpenApiDocument } from '../http/openapi';
import { configureGatewayApp } from '../http/configure-gateway-app';

const ADMIN_KEY = 'admin-key-for-the-end-test';

/** The transport, faked: keeps what is sent. */
class RecordingSink extends RecordSink {
  readonly sent: EventEnvelope<unknown>[] = [];
  async send(_topic: string, records: KafkaRecord[]): Promise<void> {
    for (const record of records) this.sent.push(fromKafkaRecord(record).envelope);
  }
  of(definition: EventDefinition, subject: string): EventEnvelope<unknown>[] {
    return this.sent.filter((e) => e.type === definition.type && e.subject === subject);
  }
}

const sink = new RecordingSink();

@Global()
@Module({
  providers: [
    { provide: RecordSink, useValue: sink },
    {
      provide: EventPublisher,
      useFactory: (outbox: TransactionalOutbox) => new DefaultEventPublisher('gateway', sink, outbox),
      inject: [TransactionalOutbox],
    },
  ],
  exports: [RecordSink, EventPublisher],
})
class FakeMessagingModule {}

interface Json {
  [key: string]: unknown;
}

describe('POST /v1/conversations/{id}/end (PostgreSQL, Nest HTTP app)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let base: string;
  let persistence: Server;
  let keyA: string;
  let keyB: string;

  const call = async (
    method: string,
    path: string,
    options: { key?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: Json; type: string | null }> => {
    const headers: Record<string, string> = {};
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Json) : {},
      type: response.headers.get('content-type'),
    };
  };

  const drain = (): Promise<void> =>
    app.get<TransactionalOutbox, PostgresOutbox>(TransactionalOutbox).drain();

  const start = async (key: string): Promise<string> => {
    const created = await call('POST', '/v1/conversations', {
      key,
      body: { prospect: { name: 'Dana', company: 'Acme' }, mode: 'assist' },
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    process.env.ADMIN_API_KEY = ADMIN_KEY;
    process.env.RETENTION_SWEEP_INTERVAL_MS = '0';
    persistence = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => persistence.listen(0, '127.0.0.1', resolve));
    process.env.PERSISTENCE_URL = `http://127.0.0.1:${(persistence.address() as AddressInfo).port}`;
    db = await createTestDatabase('gateway_conversation_end');

    @Module({
      imports: [
        DatabaseModule.forService(GATEWAY_DATABASE, {
          url: db.url,
          applicationName: 'test',
          migrateOnBoot: true,
        }),
        FakeMessagingModule,
        GatewayApiModule,
      ],
    })
    class TestGatewayModule {}

    app = await NestFactory.create(TestGatewayModule, { logger: ['error'] });
    configureGatewayApp(app);
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');

    const tenant = async (name: string): Promise<string> => {
      const created = await call('POST', '/admin/v1/tenants', { key: ADMIN_KEY, body: { name } });
      const key = await call('POST', `/admin/v1/tenants/${created.body.id as string}/api-keys`, {
        key: ADMIN_KEY,
        body: {},
      });
      return key.body.key as string;
    };
    keyA = await tenant('tenant-a');
    keyB = await tenant('tenant-b');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await new Promise((resolve) => persistence?.close(resolve));
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
    await drain();
    const again = await call('POST', `/v1/conversations/${id}/end`, { key: keyA });
    expect(again).toMatchObject({ status: 202, body: first.body });
    await drain();
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
    await drain();
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
