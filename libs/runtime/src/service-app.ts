import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger as NestLogger, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { Logger as PinoLogger } from 'nestjs-pino';
import { INTERNAL_API_PREFIX, internalApiAuth } from '@lib/access';
import {
  assertInternalApiToken,
  describeConfig,
  loadConfig,
  CommonConfigSchema,
  type CommonConfig,
} from '@lib/config';
import { DatabaseModule } from '@lib/database';
import {
  conversationLockKey,
  createEventTransport,
  InboxStore,
  MessagingModule,
  RecordSink,
  TransactionalOutbox,
  type InProcessEventBus,
} from '@lib/messaging';
import { HealthController, ReadinessRegistry } from './health';
import { loggingModule } from './logging';
import { MetricsController } from './metrics';
import type { ServiceDefinition } from './service-definition';

export interface ServiceAppOptions {
  readonly config?: CommonConfig;
  /** The shared in-process bus (embedded mode). */
  readonly bus?: InProcessEventBus;
  /** Embedded mode migrates at boot; distributed deployments run `npm run migrate` before starting. */
  readonly migrateOnBoot?: boolean;
  readonly port?: number;
  readonly host?: string;
  /**
   * The `service` field of log lines. Nest's logger is process-wide, so the embedded mode (five services in
   * one process) labels every line `embedded` and relies on the `context` field instead.
   */
  readonly logService?: string;
}

export interface RunningService {
  readonly definition: ServiceDefinition;
  readonly app: INestApplication;
  readonly url: string;
  /** Graceful stop: stop consuming and finish in-flight events, send the outbox, close HTTP and connections. */
  stop(this: void): Promise<void>;
}

/** Root module of a service: shared infrastructure (global) plus the service's own module. */
function rootModule(
  definition: ServiceDefinition,
  config: CommonConfig,
  options: ServiceAppOptions,
): DynamicModule {
  @Module({ controllers: [HealthController, MetricsController], providers: [ReadinessRegistry] })
  class ServiceRootModule {}
  return {
    module: ServiceRootModule,
    imports: [
      loggingModule(options.logService ?? definition.name, config.LOG_LEVEL),
      DatabaseModule.forService(definition.database, {
        url: config.DATABASE_URL,
        applicationName: definition.name,
        migrateOnBoot: options.migrateOnBoot ?? false,
      }),
      MessagingModule.forRoot({
        serviceName: definition.name,
        transport: config.MESSAGING_TRANSPORT,
        kafka: { brokers: config.KAFKA_BROKERS, clientIdPrefix: config.KAFKA_CLIENT_ID_PREFIX },
        bus: options.bus,
      }),
      definition.module,
    ],
  };
}

/** Builds, wires and starts one service: HTTP (health, and the service's own API) plus its event consumers. */
export async function startService(
  definition: ServiceDefinition,
  options: ServiceAppOptions = {},
): Promise<RunningService> {
  const config = options.config ?? loadConfig(CommonConfigSchema);
  assertInternalApiToken(config);
  const app = await NestFactory.create(rootModule(definition, config, options), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  const logger = new NestLogger(definition.name);
  logger.log({ config: describeConfig(CommonConfigSchema, config) }, 'starting');
  // Before any route is registered: every internal API (persistence, tool-runner) requires the token.
  if (config.INTERNAL_API_TOKEN) app.use(INTERNAL_API_PREFIX, internalApiAuth(config.INTERNAL_API_TOKEN));
  await definition.configure?.(app);

  // Broadcast consumers (the gateway's SSE relay) get their own group per instance and no inbox.
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const transport: CustomTransportStrategy & { isReady?: () => boolean } = createEventTransport({
    transport: config.MESSAGING_TRANSPORT,
    serviceName: definition.name,
    delivery: definition.delivery,
    consumerGroup:
      config.KAFKA_CONSUMER_GROUP_PREFIX +
      (definition.delivery === 'broadcast' ? `${definition.name}.${instanceId}` : definition.name),
    fromBeginning: definition.delivery === 'shared' && config.KAFKA_CONSUMER_FROM_BEGINNING,
    inbox: definition.delivery === 'shared' ? app.get(InboxStore) : undefined,
    sink: app.get(RecordSink),
    kafka: { brokers: config.KAFKA_BROKERS, clientIdPrefix: config.KAFKA_CLIENT_ID_PREFIX },
    bus: options.bus,
    retry: {
      maxAttempts: config.MESSAGING_MAX_ATTEMPTS,
      initialDelayMs: config.MESSAGING_RETRY_INITIAL_MS,
      maxDelayMs: config.MESSAGING_RETRY_MAX_MS,
    },
    batch:
      definition.batchDelivery && config.KAFKA_CONSUMER_BATCH_SIZE > 1
        ? {
            maxRecords: config.KAFKA_CONSUMER_BATCH_SIZE,
            concurrentTransactions: config.KAFKA_CONSUMER_BATCH_TRANSACTIONS,
            lockKey:
              definition.batchDelivery === true ? conversationLockKey : definition.batchDelivery.lockKey,
          }
        : undefined,
  });
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  app.get(ReadinessRegistry).register('events', () => transport.isReady?.() ?? true);

  // Lifecycle hooks (connections, migrations) finish before consumers start pulling events.
  await app.init();
  await app.startAllMicroservices();
  const port = options.port ?? Number(process.env.PORT ?? definition.defaultPort);
  await app.listen(port, options.host ?? process.env.HOST ?? '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  logger.log(`${definition.name} listening on ${url}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const server = app.getHttpServer() as import('node:http').Server;
      // Open streams (SSE) would keep close() waiting forever: end them after a grace period.
      const force = setTimeout(
        () => server.closeAllConnections(),
        Math.min(config.SHUTDOWN_TIMEOUT_MS, 5000),
      );
      force.unref();
      await transport.close();
      const outbox: { drain?: () => Promise<void> } = app.get(TransactionalOutbox);
      await outbox.drain?.();
      server.closeIdleConnections();
      await app.close();
      clearTimeout(force);
      logger.log(`${definition.name} stopped`);
    })());
  return { definition, app, url, stop };
}
