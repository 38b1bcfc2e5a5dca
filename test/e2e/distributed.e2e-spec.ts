import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  createTestDatabase,
  eventually,
  freePort,
  OtlpReceiver,
  runNodeScript,
  startNodeProcess,
  waitForHttpOk,
  type ServiceProcess,
  type TestDatabase,
} from '@lib/testing';
import { GatewayClient } from './api-client';
import { runConversationScenario, type ScenarioResult } from './conversation-scenario';

const SERVICES = ['persistence', 'tool-runner', 'orchestrator', 'evaluator', 'gateway'] as const;
const ADMIN_API_KEY = `admin_${randomBytes(16).toString('hex')}`;

/**
 * The five services as separate processes on the real Kafka broker and the real PostgreSQL, with an OTLP
 * receiver standing in for the collector.
 */
describe('distributed mode: five processes on Kafka and PostgreSQL', () => {
  const otlp = new OtlpReceiver();
  let database: TestDatabase;
  const processes = new Map<string, ServiceProcess>();
  let env: NodeJS.ProcessEnv;
  let gatewayUrl: string;
  let tenantA: GatewayClient;
  let tenantB: GatewayClient;
  let result: ScenarioResult;
  let ports: Record<string, number>;
  const start = (service: string): ServiceProcess => {
    const proc = startNodeProcess(service, `dist/apps/${service}/src/main.js`, {
      ...env,
      PORT: String(ports[service]),
    });
    processes.set(service, proc);
    return proc;
  };

  beforeAll(async () => {
    const otlpUrl = await otlp.start();
    database = await createTestDatabase('e2e');
    ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()] as const)));
    gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      MESSAGING_TRANSPORT: 'kafka',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
      // Fresh consumer groups that start at the end of the topics: earlier runs' events are not replayed.
      KAFKA_CONSUMER_GROUP_PREFIX: `e2e-${randomBytes(4).toString('hex')}-`,
      KAFKA_CONSUMER_FROM_BEGINNING: 'false',
      PERSISTENCE_URL: `http://127.0.0.1:${ports.persistence}`,
      ADMIN_API_KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    };
    await runNodeScript('dist/libs/runtime/src/cli/migrate.js', ['up'], env);
    for (const service of SERVICES) start(service);
    await Promise.all(
      SERVICES.map((s) =>
        waitForHttpOk(`http://127.0.0.1:${ports[s]}/health/ready`, 90_000, processes.get(s)),
      ),
    );
    // Consumers report ready once they joined their groups; give them a moment to fetch their start offsets.
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const admin = new GatewayClient(gatewayUrl, ADMIN_API_KEY);
    const keyFor = async (name: string): Promise<{ tenantId: string; key: string }> => {
      const tenant = await admin.json<{ id: string }>('POST', '/admin/v1/tenants', { name });
      expect(tenant.status).toBe(201);
      const key = await admin.json<{ key: string }>('POST', `/admin/v1/tenants/${tenant.body.id}/api-keys`, {
        name: 'e2e',
      });
      expect(key.status).toBe(201);
      return { tenantId: tenant.body.id, key: key.body.key };
    };
    const a = await keyFor('northwind-sales');
    const b = await keyFor('other-company');
    await runNodeScript('dist/libs/runtime/src/cli/seed-demo.js', [a.tenantId], env);
    tenantA = new GatewayClient(gatewayUrl, a.key);
    tenantB = new GatewayClient(gatewayUrl, b.key);
  }, 180_000);

  afterAll(async () => {
    result?.events.close();
    const codes = await Promise.all([...processes.values()].reverse().map((p) => p.stop()));
    await otlp.stop();
    await database?.drop();
    // Graceful shutdown works: every service exits 0 on SIGTERM.
    expect(codes).toEqual(SERVICES.map(() => 0));
  }, 60_000);

  const failureOutput = (): string =>
    [...processes.values()].map((p) => `--- ${p.name}\n${p.output.slice(-30).join('\n')}`).join('\n');

  it('answers a multi-turn conversation through the HTTP API, in order, once, per tenant', async () => {
    try {
      result = await runConversationScenario(tenantA, tenantB);
    } catch (error) {
      throw new Error(`${String(error)}\n${failureOutput()}`);
    }
  });

  it('stores the conversation in PostgreSQL', async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const count = async (table: string): Promise<number> => {
        const res = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM persistence.${table} WHERE conversation_id = $1`,
          [result.conversationId],
        );
        return Number(res.rows[0].n);
      };
      expect({
        turns: await count('turns'),
        analyses: await count('analyses'),
        replies: await count('replies'),
        toolCalls: await count('tool_calls'),
        evaluations: await count('evaluations'),
        feedback: await count('feedback'),
      }).toEqual({ turns: 3, analyses: 3, replies: 2, toolCalls: 4, evaluations: 2, feedback: 1 });
      const executions = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM tool_runner.tool_executions',
      );
      expect(Number(executions.rows[0].n)).toBe(4);
    } finally {
      await client.end();
    }
  });

  it('traces the first turn across all five services in one trace', async () => {
    const services = await eventually(
      async () => {
        const seen = otlp.servicesInTrace(result.traceId);
        return SERVICES.every((s) => seen.has(s)) ? seen : undefined;
      },
      30_000,
      `spans of all five services in trace ${result.traceId} (have: ${[...otlp.servicesInTrace(result.traceId)].join(', ')})`,
    );
    expect([...services].sort()).toEqual([...SERVICES].sort());
    const kafkaHops = otlp.spans.filter(
      (s) => s.traceId === result.traceId && s.attributes['messaging.system'] === 'kafka',
    );
    expect(kafkaHops.length).toBeGreaterThan(5);
  });

  it('logs JSON lines that carry the trace id', () => {
    const gatewayLog = processes.get('gateway')?.output.join('\n') ?? '';
    expect(gatewayLog).toContain(`"trace_id":"${result.traceId}"`);
  });

  it('completes a turn exactly once when the tool-runner and the orchestrator crash mid-turn', async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await processes.get('tool-runner')?.kill();
      const turn = await tenantA.json<{ turnId: string }>(
        'POST',
        `/v1/conversations/${result.conversationId}/turns`,
        { role: 'prospect', text: 'Do you offer refunds if we cancel an annual plan early?' },
      );
      expect(turn.status).toBe(202);
      const turnId = turn.body.turnId;
      // The orchestrator asked for its tools; nobody answers them. Then it crashes too.
      await eventually(
        async () => (result.events.namesForTurn(turnId).includes('tool.requested') ? true : undefined),
        60_000,
        'tool.requested for the turn',
      );
      await processes.get('orchestrator')?.kill();

      const restarted = [start('tool-runner'), start('orchestrator')];
      await Promise.all(
        restarted.map((p) => waitForHttpOk(`http://127.0.0.1:${ports[p.name]}/health/ready`, 120_000, p)),
      );
      await eventually(
        async () => (result.events.namesForTurn(turnId).includes('evaluation.completed') ? true : undefined),
        120_000,
        'the reply and evaluation of the turn after the restart',
      );
      const rows = async (sql: string): Promise<number> =>
        Number((await client.query<{ n: string }>(sql, [turnId])).rows[0].n);
      expect({
        replies: await rows('SELECT count(*) AS n FROM persistence.replies WHERE turn_id = $1'),
        evaluations: await rows('SELECT count(*) AS n FROM persistence.evaluations WHERE turn_id = $1'),
        toolRuns: await rows(
          'SELECT count(*) AS n FROM tool_runner.tool_executions WHERE id IN (SELECT id FROM persistence.tool_calls WHERE turn_id = $1)',
        ),
      }).toEqual({ replies: 1, evaluations: 1, toolRuns: 2 });
      // The client saw exactly one reply for the turn.
      expect(result.events.namesForTurn(turnId).filter((n) => n === 'reply.generated')).toHaveLength(1);
    } catch (error) {
      throw new Error(`${String(error)}\n${failureOutput()}`);
    } finally {
      await client.end();
    }
  }, 300_000);
});
