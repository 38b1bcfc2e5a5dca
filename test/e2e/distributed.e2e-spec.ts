import { Client } from 'pg';
import { eventually } from '@lib/testing';
import { GatewayClient } from './api-client';
import { runConversationScenario, type ScenarioResult } from './conversation-scenario';
import { DistributedStack, SERVICES } from './distributed-stack';

/**
 * The five services as separate processes on the real Kafka broker and the real PostgreSQL, with an OTLP
 * receiver standing in for the collector. The offline language model (no ANTHROPIC_API_KEY).
 */
describe('distributed mode: five processes on Kafka and PostgreSQL', () => {
  const stack = new DistributedStack();
  const otlp = stack.otlp;
  const processes = stack.processes;
  let tenantA: GatewayClient;
  let tenantB: GatewayClient;
  let result: ScenarioResult;

  beforeAll(async () => {
    await stack.start();
    tenantA = (await stack.createTenant('northwind-sales', { demoCrm: true })).client;
    tenantB = (await stack.createTenant('other-company')).client;
  }, 180_000);

  afterAll(async () => {
    result?.events.close();
    const codes = await stack.stop();
    // Graceful shutdown works: every service exits 0 on SIGTERM.
    expect(codes).toEqual(SERVICES.map(() => 0));
  }, 90_000);

  const failureOutput = (): string => stack.output();

  it('answers a multi-turn conversation through the HTTP API, in order, once, per tenant', async () => {
    try {
      result = await runConversationScenario(tenantA, tenantB);
    } catch (error) {
      throw new Error(`${String(error)}\n${failureOutput()}`);
    }
  });

  it('stores the conversation in PostgreSQL', async () => {
    const client = new Client({ connectionString: stack.database.url });
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

  it('serves Prometheus metrics of the turns on every service', async () => {
    const scrape = async (service: (typeof SERVICES)[number]): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${stack.ports[service]}/metrics`);
      expect({ service, status: res.status }).toEqual({ service, status: 200 });
      return res.text();
    };
    const evaluator = await scrape('evaluator');
    // Two evaluated replies of the scenario (at least): the total stage histogram counts them.
    const total = /^sales_turn_stage_duration_count\{[^}]*stage="total"[^}]*\} (\d+)/m.exec(evaluator);
    expect(Number(total?.[1])).toBeGreaterThanOrEqual(2);
    expect(evaluator).toMatch(/^sales_evaluation_groundedness_count\{/m);
    const persistence = await scrape('persistence');
    expect(persistence).toMatch(
      /^sales_messaging_process_duration_count\{[^}]*messaging_delivery_outcome="handled"[^}]*\} [1-9]/m,
    );
    expect(persistence).toMatch(/^messaging_kafka_consumer_lag\{/m);
    // The gateway stage of each accepted turn is the gateway's own observation.
    const gateway = await scrape('gateway');
    const accepted = /^sales_turn_stage_duration_count\{[^}]*stage="gateway"[^}]*\} (\d+)/m.exec(gateway);
    expect(Number(accepted?.[1])).toBeGreaterThanOrEqual(2);
    for (const service of ['orchestrator', 'tool-runner'] as const) {
      expect(await scrape(service)).toContain('target_info');
    }
  });

  it('logs each stored interaction once, redacted, with its trace id', () => {
    const interactions = (processes.get('persistence')?.output ?? [])
      .filter((line) => line.includes('"event":"interaction"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((r) => r.conversationId === result.conversationId);
    // Three turns (two of the prospect, one of the rep) and the two replies to the prospect.
    expect(interactions.filter((r) => r.kind === 'turn.received')).toHaveLength(3);
    expect(interactions.filter((r) => r.kind === 'reply.generated')).toHaveLength(2);
    const first = interactions.find((r) => r.kind === 'turn.received' && r.sequence === 1);
    expect(first?.trace_id).toBe(result.traceId);
    expect(first?.text).toContain('PostHog');
  });

  it('completes a turn exactly once when the tool-runner and the orchestrator crash mid-turn', async () => {
    const client = new Client({ connectionString: stack.database.url });
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

      stack.startService('tool-runner');
      stack.startService('orchestrator');
      await Promise.all([stack.waitReady('tool-runner', 120_000), stack.waitReady('orchestrator', 120_000)]);
      await eventually(
        async () => (result.events.namesForTurn(turnId).includes('evaluation.completed') ? true : undefined),
        120_000,
        'the reply and evaluation of the turn after the restart',
      );
      const rows = async (sql: string): Promise<number> =>
        Number((await client.query<{ n: string }>(sql, [turnId])).rows[0].n);
      const counts = async () => ({
        replies: await rows('SELECT count(*) AS n FROM persistence.replies WHERE turn_id = $1'),
        evaluations: await rows('SELECT count(*) AS n FROM persistence.evaluations WHERE turn_id = $1'),
        toolRuns: await rows(
          'SELECT count(*) AS n FROM tool_runner.tool_executions WHERE id IN (SELECT id FROM persistence.tool_calls WHERE turn_id = $1)',
        ),
      });
      // Persistence consumes on its own: the gateway may stream the evaluation before it is stored there.
      const stored = await eventually(
        async () => {
          const now = await counts();
          return now.replies > 0 && now.evaluations > 0 && now.toolRuns >= 2 ? now : undefined;
        },
        30_000,
        'the reply, evaluation and tool calls of the turn in persistence',
      );
      expect(stored).toEqual({ replies: 1, evaluations: 1, toolRuns: 2 });
      // The client saw exactly one reply for the turn.
      expect(result.events.namesForTurn(turnId).filter((n) => n === 'reply.generated')).toHaveLength(1);
    } catch (error) {
      throw new Error(`${String(error)}\n${failureOutput()}`);
    } finally {
      await client.end();
    }
  }, 300_000);

  it('ingests a tenant document through the API, cites it in a reply, and keeps it from other tenants', async () => {
    const document = {
      title: 'Northwind partner pricing',
      source: 'https://intranet.example/northwind-partner-pricing',
      contentType: 'text/markdown',
      content:
        '# Northwind partner pricing\n\n## Zephyr bundle\n\nThe Zephyr bundle costs 4200 euros per year and ' +
        'includes the session replay add-on and priority support for partner resellers.\n',
    };
    const added = await tenantA.json<{ documentId: string; status: string; chunks: number }>(
      'POST',
      '/v1/knowledge/documents',
      document,
    );
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ status: 'added' });
    expect(added.body.chunks).toBeGreaterThan(0);
    const again = await tenantA.json<{ status: string }>('POST', '/v1/knowledge/documents', document);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('unchanged');

    // The assistant finds it for tenant A...
    const conversation = await tenantA.json<{ id: string }>('POST', '/v1/conversations', {
      mode: 'autonomous',
      prospect: { email: 'maya.chen@northwindpay.com' },
    });
    const turn = await tenantA.json<{ status: string; reply?: { citations: { sourceId: string }[] } }>(
      'POST',
      `/v1/conversations/${conversation.body.id}/turns?wait=30`,
      { role: 'prospect', text: 'How much does the Zephyr bundle cost per year?' },
    );
    expect(turn.body.status).toBe('completed');
    const cited = turn.body.reply?.citations.map((c) => c.sourceId) ?? [];
    expect(cited.some((id) => id.startsWith(`kb:${added.body.documentId}#`))).toBe(true);

    // ...never for tenant B, who cannot delete it either.
    const encoded = encodeURIComponent(added.body.documentId);
    const otherDelete = await tenantB.request('DELETE', `/v1/knowledge/documents/${encoded}`);
    expect(otherDelete.status).toBe(404);
    await otherDelete.body?.cancel();
    const removed = await tenantA.request('DELETE', `/v1/knowledge/documents/${encoded}`);
    expect(removed.status).toBe(204);
    await removed.body?.cancel();
    const removedAgain = await tenantA.request('DELETE', `/v1/knowledge/documents/${encoded}`);
    expect(removedAgain.status).toBe(404);
    await removedAgain.body?.cancel();
  });

  it('finds the conversation through search and analytics, scoped to its tenant', async () => {
    const found = await tenantA.json<{ items: { id: string }[] }>('GET', '/v1/conversations?q=Mixpanel');
    expect(found.status).toBe(200);
    expect(found.body.items.map((c) => c.id)).toContain(result.conversationId);
    const hidden = await tenantB.json<{ items: { id: string }[] }>('GET', '/v1/conversations?q=Mixpanel');
    expect(hidden.body.items).toEqual([]);
    const objections = await tenantA.json<{ items: { type: string; count: number }[] }>(
      'GET',
      '/v1/analytics/objections',
    );
    expect(objections.status).toBe(200);
    expect(objections.body.items.map((o) => o.type)).toContain('price');
    const bad = await tenantA.json<{ title: string }>('GET', '/v1/analytics/sentiment?bucket=year');
    expect(bad.status).toBe(400);
  });

  it('deletes the conversation from every service, leaving only tombstones', async () => {
    const id = result.conversationId;
    const deleted = await tenantA.json<{ status: string }>('DELETE', `/v1/conversations/${id}`);
    expect(deleted.status).toBe(202);
    const client = new Client({ connectionString: stack.database.url });
    await client.connect();
    try {
      // Every row of every service's tables, as text, that mentions the conversation.
      const mentions = async (): Promise<string[]> => {
        const tables = await client.query<{ table_schema: string; table_name: string }>(
          `SELECT table_schema, table_name FROM information_schema.tables
           WHERE table_schema IN ('gateway', 'persistence', 'orchestrator', 'tool_runner', 'evaluator')
             AND table_type = 'BASE TABLE' AND table_name NOT IN ('deleted_conversations', 'migrations')`,
        );
        const found: string[] = [];
        for (const { table_schema: schema, table_name: table } of tables.rows) {
          const hits = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM "${schema}"."${table}" t WHERE row_to_json(t)::text LIKE $1`,
            [`%${id}%`],
          );
          if (Number(hits.rows[0].n) > 0) found.push(`${schema}.${table}`);
        }
        return found;
      };
      expect((await mentions()).length).toBeGreaterThan(0);
      let left: string[] = [];
      await eventually(
        async () => {
          left = await mentions();
          return left.length === 0 ? true : undefined;
        },
        30_000,
        'every service to delete the conversation',
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; rows left in ${left.join(', ')}\n${failureOutput()}`);
      });
      const tombstones = await client.query<{ table_schema: string }>(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'deleted_conversations'`,
      );
      for (const { table_schema: schema } of tombstones.rows) {
        const rows = await client.query(
          `SELECT 1 FROM "${schema}"."deleted_conversations" WHERE conversation_id = $1`,
          [id],
        );
        expect({ schema, rows: rows.rowCount }).toEqual({ schema, rows: 1 });
      }
    } finally {
      await client.end();
    }
    const gone = await tenantA.json<{ status: number }>('GET', `/v1/conversations/${id}`);
    expect(gone.status).toBe(410);
    const other = await tenantB.json<{ status: number }>('GET', `/v1/conversations/${id}`);
    expect(other.status).toBe(404);
  });
});
