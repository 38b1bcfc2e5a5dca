import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Global, Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { fromKafkaRecord, type EventDefinition, type EventEnvelope, type KafkaRecord } from '@lib/contracts';
import type { ConversationView } from '@lib/conversation-record';
import { DatabaseModule, type PostgresOutbox } from '@lib/database';
import {
  DefaultEventPublisher,
  EventPublisher,
  InProcessEventBus,
  RecordSink,
  TransactionalOutbox,
} from '@lib/messaging';
import { startService, type RunningService, type ServiceDefinition } from '@lib/runtime';
import { createTestDatabase, type TestDatabase } from '@lib/testing';
import { GATEWAY_DATABASE } from '../gateway.database';
import { GatewayApiModule } from '../gateway-api.module';
import { configureGatewayApp } from '../http/configure-gateway-app';

/**
 * What the gateway's integration specs share: a fetch client for the public and admin API, a stack of real
 * services run through the runtime (one test database, the in-process bus), and the gateway module alone in
 * a Nest HTTP app with a recording transport and a fake persistence read API. Test code only (not exported).
 */

export interface Json {
  [key: string]: unknown;
}

export interface ApiResponse {
  readonly status: number;
  /** The `content-type` header, '' when none. */
  readonly type: string;
  /** The JSON body, `{}` when the body is empty. */
  readonly body: Json;
  readonly headers: Headers;
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  readonly key?: string;
  /** Sent as JSON (`content-type: application/json` unless `headers` say otherwise). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Sent as is instead of `body`. */
  readonly raw?: string;
}

/** Calls a gateway over HTTP; `url` is read at each call (the gateway starts in `beforeAll`). */
export class GatewayClient {
  constructor(
    private readonly url: () => string,
    private readonly adminKey = '',
  ) {}

  readonly call = async (method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.url()}${path}`, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: text ? (JSON.parse(text) as Json) : {},
      headers: response.headers,
    };
  };

  readonly get = (path: string, key?: string): Promise<ApiResponse> => this.call('GET', path, { key });

  /** A POST with the admin key that must answer 201. */
  readonly admin = async (path: string, body: unknown): Promise<Json> => {
    const response = await this.call('POST', path, { key: this.adminKey, body });
    expect(response.status).toBe(201);
    return response.body;
  };

  /** A conversation (prospect Dana of Acme, `assist` mode) created with `key`: its id. */
  readonly startConversation = async (key: string): Promise<string> => {
    const created = await this.call('POST', '/v1/conversations', {
      key,
      body: { prospect: { name: 'Dana', company: 'Acme' }, mode: 'assist' },
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };

  /** A tenant and an API key of it, through the admin API. */
  readonly createTenant = async (name: string, keyBody: Json = { name: 'ui' }) => {
    const tenant = await this.admin('/admin/v1/tenants', { name });
    const key = await this.admin(`/admin/v1/tenants/${tenant.id as string}/api-keys`, keyBody);
    return { id: tenant.id as string, key: key.key as string };
  };
}

/** Sets environment variables and returns what deletes them again. */
function setEnv(variables: Record<string, string>): () => void {
  Object.assign(process.env, variables);
  return () => {
    for (const name of Object.keys(variables)) delete process.env[name];
  };
}

export interface ServiceStack {
  readonly db: TestDatabase;
  readonly bus: InProcessEventBus;
  /**
   * Starts a service on the stack's database and bus (migrated at boot, port 0). With `urlVariable`, its URL
   * goes into that environment variable, for the services started after it (deleted by `stop`).
   */
  start(definition: ServiceDefinition, urlVariable?: string): Promise<RunningService>;
  /** Stops the services (last started first) and the bus, drops the database, deletes the variables. */
  stop(): Promise<void>;
}

/** Real services through the runtime on one fresh test database and the in-process transport. */
export async function startServiceStack(
  label: string,
  env: Record<string, string> = {},
): Promise<ServiceStack> {
  Logger.overrideLogger(['error']);
  const unsets = [setEnv(env)];
  const db = await createTestDatabase(label);
  const bus = new InProcessEventBus();
  const config = loadConfig(CommonConfigSchema, {
    DATABASE_URL: db.url,
    MESSAGING_TRANSPORT: 'in-process',
    LOG_LEVEL: 'error',
    NODE_ENV: 'test',
  });
  const services: RunningService[] = [];
  return {
    db,
    bus,
    start: async (definition, urlVariable) => {
      const running = await startService(definition, { config, bus, migrateOnBoot: true, port: 0 });
      services.push(running);
      if (urlVariable) unsets.push(setEnv({ [urlVariable]: running.url }));
      return running;
    },
    stop: async () => {
      for (const service of [...services].reverse()) await service.stop();
      await bus.close();
      await db.drop();
      for (const unset of unsets) unset();
    },
  };
}

/**
 * The transport, faked: records what the gateway sends (already encoded as Kafka records, so keys and
 * CloudEvents headers are real), can be made to fail, and hands each event to `loopback` (as the broadcast
 * transport would deliver it back to the gateway's relay) and then to `afterSend`.
 */
export class RecordingSink extends RecordSink {
  readonly sent: { topic: string; record: KafkaRecord; envelope: EventEnvelope<unknown> }[] = [];
  failing = false;
  loopback: (envelope: EventEnvelope<unknown>) => void = () => undefined;
  afterSend: (envelope: EventEnvelope<unknown>) => void = () => undefined;

  async send(topic: string, records: KafkaRecord[]): Promise<void> {
    if (this.failing) throw new Error('broker unavailable');
    for (const record of records) {
      const { envelope } = fromKafkaRecord(record);
      this.sent.push({ topic, record, envelope });
      this.loopback(envelope);
      this.afterSend(envelope);
    }
  }

  ofType(definition: EventDefinition) {
    return this.sent.filter((s) => s.envelope.type === definition.type);
  }

  /** The envelopes of one type, of one conversation (subject) if given. */
  of(definition: EventDefinition, subject?: string): EventEnvelope<unknown>[] {
    return this.ofType(definition)
      .map((s) => s.envelope)
      .filter((e) => !subject || e.subject === subject);
  }
}

/**
 * Persistence's internal read API, faked over real HTTP (so the real ConversationRecordClient is used): the
 * conversations in `views` for their tenant, 404 for any other, 500 for all while `failing`.
 */
export class FakePersistence {
  readonly views = new Map<string, ConversationView>();
  failing = false;
  private readonly server: Server = createServer((request, response) => {
    const match = /^\/internal\/v1\/tenants\/([^/]+)\/conversations\/([^/?]+)$/.exec(request.url ?? '');
    const view = match ? this.views.get(decodeURIComponent(match[2])) : undefined;
    const status = this.failing
      ? 500
      : view && view.conversation.tenantId === decodeURIComponent(match![1])
        ? 200
        : 404;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(status === 200 ? JSON.stringify(view) : '{}');
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface GatewayTestApp {
  readonly app: INestApplication;
  readonly url: string;
  readonly db: TestDatabase;
  readonly persistence: FakePersistence;
  /** Sends what the outbox holds now. */
  drain(): Promise<void>;
  /** Closes the app and the fake persistence, drops the database, deletes the variables. */
  stop(): Promise<void>;
}

/**
 * `GatewayApiModule` alone in a Nest HTTP app (port 0) on a fresh, migrated test database, configured like the
 * service (`configureGatewayApp`): its transport is `sink` behind the real publisher and outbox, persistence's
 * read API a `FakePersistence` (`PERSISTENCE_URL`). `env` is set first (e.g. `ADMIN_API_KEY`).
 */
export async function startGatewayApp(
  label: string,
  sink: RecordSink,
  env: Record<string, string> = {},
): Promise<GatewayTestApp> {
  Logger.overrideLogger(['error']);
  const persistence = new FakePersistence();
  const unset = setEnv({ ...env, PERSISTENCE_URL: await persistence.start() });
  const db = await createTestDatabase(label);

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

  const app = await NestFactory.create(TestGatewayModule, { logger: ['error'] });
  try {
    configureGatewayApp(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    await persistence.stop();
    await db.drop();
    unset();
    throw error;
  }
  return {
    app,
    url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    db,
    persistence,
    drain: () => app.get<TransactionalOutbox, PostgresOutbox>(TransactionalOutbox).drain(),
    stop: async () => {
      await app.close();
      await persistence.stop();
      await db.drop();
      unset();
    },
  };
}
