import { Client } from 'pg';
import {
  AnthropicTestServer,
  currentUserText,
  knowledgeSourceIdsIn,
  salesTurnOutcome,
  eventually,
  scripted,
  toolResultsOf,
  type MessagesRequest,
  type ScriptedResponse,
} from '@lib/testing';
import type { GatewayClient } from './api-client';
import type { EventStream } from './api-client';
import { DistributedStack, SERVICES } from './distributed-stack';

/**
 * The orchestrator on Claude: the real @anthropic-ai/sdk in the orchestrator process talks over HTTP to the
 * Anthropic-compatible test server run by this test. Five processes on real Kafka and PostgreSQL.
 *
 * The scripted model behaves like Claude in a sales conversation: first it asks for the CRM profile and a
 * knowledge-base search in parallel, then for a second search, then it submits the structured outcome
 * citing a passage it was given. Markers in the prospect's text ask for trouble: [busy] (429 once),
 * [malformed] (invalid output once), [unauthorized] (401), [slow] (a slow stream).
 */
const FINAL_TOOL = 'submit_turn_outcome';

interface Block {
  type: string;
  text?: string;
  name?: string;
  content?: unknown;
  is_error?: boolean;
}
interface Message {
  role: string;
  content: string | Block[];
}

const blocksOf = (m: Message): Block[] =>
  typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;

/** Tool rounds since the current user message (assistant messages with tool_use blocks). */
function roundsSoFar(request: MessagesRequest): number {
  const messages = request.messages as unknown as Message[];
  let rounds = 0;
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const blocks = blocksOf(messages[i]);
    if (messages[i].role === 'user' && blocks.some((b) => b.type === 'text')) break;
    if (
      messages[i].role === 'assistant' &&
      blocks.some((b) => b.type === 'tool_use' && b.name !== FINAL_TOOL)
    ) {
      rounds += 1;
    }
  }
  return rounds;
}

const rateLimitedOnce = new Set<string>();
const malformedOnce = new Set<string>();

function respond(request: MessagesRequest): ScriptedResponse {
  const text = currentUserText(request);
  if (text.includes('[unauthorized]')) return scripted.error(401, { message: 'invalid x-api-key' });
  if (text.includes('[busy]') && !rateLimitedOnce.has(text)) {
    rateLimitedOnce.add(text);
    return scripted.rateLimited(0.2);
  }
  const rounds = roundsSoFar(request);
  if (rounds === 0) {
    return scripted.toolUse([
      { name: 'crm_lookup_prospect', input: { email: 'maya.chen@northwindpay.com' } },
      { name: 'knowledge_search', input: { query: text.replace(/\[\w+\]/g, '').slice(0, 200), limit: 4 } },
    ]);
  }
  if (rounds === 1)
    return scripted.toolUse([
      { name: 'knowledge_search', input: { query: 'annual plan discount', limit: 3 } },
    ]);
  const [sourceId] = knowledgeSourceIdsIn(request);
  const reply = `Great question, Maya. PostHog prices by usage and annual plans come with a discount [${sourceId}].`;
  const repairing = toolResultsOf(request).some((b) => (b as Block).is_error === true);
  if (text.includes('[malformed]') && !repairing && !malformedOnce.has(text)) {
    malformedOnce.add(text);
    return scripted.finalToolCall(FINAL_TOOL, { reply: { text: reply } }); // no analysis, no citations
  }
  const final = scripted.finalToolCall(FINAL_TOOL, salesTurnOutcome(reply, sourceId));
  return text.includes('[slow]') ? scripted.slow(final, 150) : final;
}

describe('the orchestrator on Claude (Anthropic-compatible test server)', () => {
  const anthropic = new AnthropicTestServer();
  let stack: DistributedStack;
  let tenant: GatewayClient;
  let db: Client;

  beforeAll(async () => {
    const url = await anthropic.start();
    anthropic.script((request) => respond(request));
    stack = new DistributedStack({
      orchestrator: {
        ANTHROPIC_API_KEY: 'sk-ant-test-key',
        ANTHROPIC_BASE_URL: url,
        ANTHROPIC_MAX_RETRIES: '2',
      },
    });
    await stack.start();
    tenant = (await stack.createTenant('claude-tenant', { demoCrm: true })).client;
    db = new Client({ connectionString: stack.database.url });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    const codes = await stack?.stop();
    await anthropic.stop();
    expect(codes).toEqual(SERVICES.map(() => 0));
  }, 90_000);

  const withOutput = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new Error(`${String(error)}\n${stack.output()}`);
    }
  };

  async function conversation(): Promise<{ id: string; events: EventStream }> {
    const created = await tenant.json<{ id: string }>('POST', '/v1/conversations', {
      mode: 'autonomous',
      prospect: { email: 'maya.chen@northwindpay.com' },
    });
    expect(created.status).toBe(201);
    return { id: created.body.id, events: await tenant.openEvents(created.body.id) };
  }

  const postTurn = (id: string, text: string, wait = 0) =>
    tenant.json<{ turnId: string; status: string; reply?: { text: string }; failure?: { code: string } }>(
      'POST',
      `/v1/conversations/${id}/turns${wait ? `?wait=${wait}` : ''}`,
      { role: 'prospect', text },
    );

  const until = (events: EventStream, turnId: string, name: string, timeoutMs = 60_000) =>
    eventually(
      async () => (events.namesForTurn(turnId).includes(name) ? true : undefined),
      timeoutMs,
      `${name} of ${turnId}`,
    );

  it('answers with two tool rounds (two parallel calls first), a cited structured reply, streamed first', () =>
    withOutput(async () => {
      const { id, events } = await conversation();
      const turn = await postTurn(id, 'Hi! How much does PostHog cost for a team of 20 people?');
      expect(turn.status).toBe(202);
      await until(events, turn.body.turnId, 'evaluation.completed');
      const names = events.namesForTurn(turn.body.turnId);
      expect(names.filter((n) => n === 'tool.requested')).toHaveLength(3);
      expect(names.indexOf('reply.delta')).toBeGreaterThan(-1);
      expect(names.indexOf('reply.delta')).toBeLessThan(names.indexOf('reply.generated'));
      const parsed = events.parsed().filter((e) => e.data.turnId === turn.body.turnId);
      const deltas = parsed
        .filter((e) => e.type.includes('reply.delta'))
        .map((e) => String(e.data.text))
        .join('');
      const reply = parsed.find((e) => e.type.includes('reply.generated'))?.data as {
        text: string;
        citations: { sourceId: string }[];
        model: { provider: string; promptVersion: string };
        usage: { inputTokens: number; costUsd?: number };
      };
      expect(deltas).toBe(reply.text);
      expect(reply.citations[0].sourceId).toMatch(/^kb:/);
      expect(reply.model.provider).toBe('anthropic');
      expect(reply.model.promptVersion).toMatch(/\S/);
      expect(reply.usage.costUsd).toBeGreaterThan(0);
      events.close();
      // The model's first request declared the registry's tools and cached the stable prefix.
      const first = anthropic.messageRequests()[0] as unknown as { tools: { name: string }[] };
      expect(first.tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['crm_lookup_prospect', 'knowledge_search', FINAL_TOOL]),
      );
    }));

  it('retries a 429 and succeeds', () =>
    withOutput(async () => {
      const { id, events } = await conversation();
      const turn = await postTurn(id, '[busy] Do you offer annual plans?', 30);
      expect(turn.body.status).toBe('completed');
      expect(anthropic.requests.some((r) => r.status === 429)).toBe(true);
      events.close();
    }));

  it('repairs malformed output once', () =>
    withOutput(async () => {
      const { id, events } = await conversation();
      const turn = await postTurn(id, '[malformed] What does the Teams plan include?', 30);
      expect(turn.body.status).toBe('completed');
      events.close();
    }));

  it('fails the turn clearly when the API key is rejected', () =>
    withOutput(async () => {
      const { id, events } = await conversation();
      const turn = await postTurn(id, '[unauthorized] hello', 30);
      expect(turn.body.status).toBe('failed');
      expect(turn.body.failure?.code).toBe('model_auth_failed');
      await until(events, turn.body.turnId, 'turn.failed');
      expect(events.namesForTurn(turn.body.turnId)).not.toContain('reply.generated');
      events.close();
    }));

  it('queues a double-texted message and answers both, in order', () =>
    withOutput(async () => {
      const { id, events } = await conversation();
      const first = await postTurn(id, '[slow] How much is it for 20 seats?');
      const second = await postTurn(id, 'And is there a startup discount?');
      await until(events, second.body.turnId, 'reply.generated', 90_000);
      const replies = events
        .parsed()
        .filter((e) => e.type.includes('reply.generated'))
        .map((e) => e.data.turnId);
      expect(replies).toEqual([first.body.turnId, second.body.turnId]);
      events.close();
    }));

  it(
    'completes a turn exactly once after kill -9 of the orchestrator while a tool call is pending',
    () =>
      withOutput(async () => {
        const { id, events } = await conversation();
        await stack.processes.get('tool-runner')?.kill();
        const turn = await postTurn(id, 'Can we pay yearly by invoice?');
        await until(events, turn.body.turnId, 'tool.requested');
        await stack.processes.get('orchestrator')?.kill();
        stack.startService('tool-runner');
        stack.startService('orchestrator');
        await Promise.all([
          stack.waitReady('tool-runner', 120_000),
          stack.waitReady('orchestrator', 120_000),
        ]);
        await until(events, turn.body.turnId, 'evaluation.completed', 120_000);
        // Persistence consumes on its own: wait until it stored the reply, then check there is one.
        const replies = await eventually(
          async () => {
            const res = await db.query<{ n: string }>(
              'SELECT count(*) AS n FROM persistence.replies WHERE turn_id = $1',
              [turn.body.turnId],
            );
            const n = Number(res.rows[0].n);
            return n > 0 ? n : undefined;
          },
          30_000,
          'the reply in persistence',
        );
        expect(replies).toBe(1);
        expect(events.namesForTurn(turn.body.turnId).filter((n) => n === 'reply.generated')).toHaveLength(1);
        events.close();
      }),
    300_000,
  );
});
