import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS } from '@lib/contracts';
import { ensureTopics } from '@lib/messaging';
import {
  createTestDatabase,
  freePort,
  OtlpReceiver,
  runNodeScript,
  startNodeProcess,
  waitForHttpOk,
  type ServiceProcess,
  type TestDatabase,
} from '@lib/testing';
import { GatewayClient } from './api-client';

export const SERVICES = ['persistence', 'tool-runner', 'orchestrator', 'evaluator', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface TenantCredentials {
  readonly tenantId: string;
  readonly client: GatewayClient;
}

/**
 * The five services as separate processes (built `dist/`) on the real Kafka broker and a fresh PostgreSQL
 * database, with an OTLP receiver standing in for the collector. Extra environment per service is allowed
 * (e.g. the orchestrator's Anthropic settings).
 */
export class DistributedStack {
  readonly otlp = new OtlpReceiver();
  readonly processes = new Map<ServiceName, ServiceProcess>();
  readonly adminKey = `admin_${randomBytes(16).toString('hex')}`;
  readonly internalToken = randomBytes(32).toString('hex');
  database!: TestDatabase;
  env: NodeJS.ProcessEnv = {};
  ports = {} as Record<ServiceName, number>;

  constructor(private readonly serviceEnv: Partial<Record<ServiceName, NodeJS.ProcessEnv>> = {}) {}

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }

  async start(): Promise<void> {
    const otlpUrl = await this.otlp.start();
    this.database = await createTestDatabase('e2e');
    for (const service of SERVICES) this.ports[service] = await freePort();
    this.env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: this.database.url,
      MESSAGING_TRANSPORT: 'kafka',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
      // Fresh consumer groups, positioned at the end of every partition before the services start (see
      // positionConsumerGroups): earlier runs' events are not replayed, and a restarted service resumes from
      // its committed offsets on every partition, as in production.
      KAFKA_CONSUMER_GROUP_PREFIX: `e2e-${randomBytes(4).toString('hex')}-`,
      PERSISTENCE_URL: `http://127.0.0.1:${this.ports.persistence}`,
      TOOL_RUNNER_URL: `http://127.0.0.1:${this.ports['tool-runner']}`,
      ADMIN_API_KEY: this.adminKey,
      // Production with Kafka requires it: the internal APIs refuse requests without it (the gateway sends it).
      INTERNAL_API_TOKEN: this.internalToken,
      // The crash tests restart services, which takes a Kafka session timeout (30 s) before partitions move:
      // tools must not be declared timed out meanwhile.
      ORCHESTRATOR_TOOL_TIMEOUT_MS: '180000',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    };
    await runNodeScript('dist/libs/runtime/src/cli/migrate.js', ['up'], this.env);
    await this.positionConsumerGroups();
    for (const service of SERVICES) this.startService(service);
    await Promise.all(SERVICES.map((s) => this.waitReady(s)));
    // Consumers report ready once they joined their groups; give them a moment to fetch their start offsets.
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }

  /**
   * Commits, for every consumer group the shared services will use (`<prefix><service>.<topic>`), the current
   * end offset of every partition: the groups start after what earlier runs left on the topics.
   */
  private async positionConsumerGroups(): Promise<void> {
    const brokers = String(this.env.KAFKA_BROKERS).split(',');
    const kafka = new Kafka({ clientId: 'e2e-setup', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(brokers, { partitions: 3, replicationFactor: 1 });
      // In parallel: each call looks up the group's coordinator, which takes seconds for a new group.
      const ends = await Promise.all(
        ALL_TOPICS.map(async (t) => ({ topic: t.name, partitions: await admin.fetchTopicOffsets(t.name) })),
      );
      const prefix = String(this.env.KAFKA_CONSUMER_GROUP_PREFIX);
      await Promise.all(
        ends.flatMap(({ topic, partitions }) =>
          SERVICES.filter((s) => s !== 'gateway').map((service) =>
            admin.setOffsets({
              groupId: `${prefix}${service}.${topic}`,
              topic,
              partitions: partitions.map((p) => ({ partition: p.partition, offset: p.high })),
            }),
          ),
        ),
      );
    } finally {
      await admin.disconnect();
    }
  }

  startService(service: ServiceName): ServiceProcess {
    const proc = startNodeProcess(service, `dist/apps/${service}/src/main.js`, {
      ...this.env,
      ...this.serviceEnv[service],
      PORT: String(this.ports[service]),
    });
    this.processes.set(service, proc);
    return proc;
  }

  waitReady(service: ServiceName, timeoutMs = 90_000): Promise<void> {
    return waitForHttpOk(
      `http://127.0.0.1:${this.ports[service]}/health/ready`,
      timeoutMs,
      this.processes.get(service),
    );
  }

  /** A tenant and an API key through the admin API; optionally the demo CRM for it. */
  async createTenant(name: string, { demoCrm = false } = {}): Promise<TenantCredentials> {
    const admin = new GatewayClient(this.gatewayUrl, this.adminKey);
    const tenant = await admin.json<{ id: string }>('POST', '/admin/v1/tenants', { name });
    if (tenant.status !== 201) throw new Error(`create tenant: HTTP ${tenant.status}`);
    const key = await admin.json<{ key: string }>('POST', `/admin/v1/tenants/${tenant.body.id}/api-keys`, {
      name: 'e2e',
    });
    if (key.status !== 201) throw new Error(`create key: HTTP ${key.status}`);
    if (demoCrm) await runNodeScript('dist/libs/runtime/src/cli/seed-demo.js', [tenant.body.id], this.env);
    return { tenantId: tenant.body.id, client: new GatewayClient(this.gatewayUrl, key.body.key) };
  }

  /** The tail of every service's output, for failure messages. */
  output(lines = 30): string {
    return [...this.processes.values()]
      .map((p) => `--- ${p.name}\n${p.output.slice(-lines).join('\n')}`)
      .join('\n');
  }

  /** SIGTERM to every service (gateway first); resolves with their exit codes in SERVICES order. */
  async stop(): Promise<(number | null)[]> {
    const codes = new Map<string, number | null>();
    for (const service of [...SERVICES].reverse()) {
      codes.set(service, (await this.processes.get(service)?.stop()) ?? null);
    }
    await this.otlp.stop();
    await this.database?.drop();
    return SERVICES.map((s) => codes.get(s) ?? null);
  }
}
