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
});
