import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { createEnvelope } from '@lib/messaging';
import { ReplyGenerated, toKafkaRecord, TurnReceived, deriveId, type EventData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import type { RunningService } from '@lib/runtime';
import { ensureDevelopmentTenant } from '@lib/access';
import { gatewayService } from './gateway.service-definition';
import { GatewayClient, startServiceStack, type ServiceStack } from './testing/gateway-harness';

/**
 * The gateway as the runtime runs it (embedded wiring: in-process transport, broadcast delivery), so the
 * ServiceDefinition, its `configure` hook and the `@OnEvent` relay are exercised through the real transport.
 */
describe('gateway through the runtime (in-process transport)', () => {
  const devKey = 'dev-key-for-the-runtime-test';
  let stack: ServiceStack;
  let running: RunningService;
  let tenantId: string;

  const { call } = new GatewayClient(() => running.url);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call('POST', path, { key: devKey, body, headers });

  beforeAll(async () => {
    stack = await startServiceStack('gateway_runtime');
    running = await stack.start(gatewayService);
    tenantId = await ensureDevelopmentTenant(running.app.get(UnitOfWork), devKey);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('relays published events to SSE and answers ?wait with the reply', async () => {
    const conversation = await post('/v1/conversations', { prospect: { name: 'Dana' }, mode: 'autonomous' });
    expect(conversation.status).toBe(201);
    const conversationId = conversation.body.id as string;

    const controller = new AbortController();
    const stream = await fetch(`${running.url}/v1/conversations/${conversationId}/events`, {
      headers: { authorization: `Bearer ${devKey}` },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const messages: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (m) => messages.push(m) });
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
      } catch {
        // aborted
      }
    })();

    // Another service answers the turn through the bus, as the orchestrator would.
    const idempotencyKey = 'runtime-1';
    const turnId = deriveId(tenantId, conversationId, idempotencyKey);
    setTimeout(() => {
      const now = new Date().toISOString();
      const reply: EventData<typeof ReplyGenerated> = {
        conversationId,
        turnId,
        replyId: deriveId('reply', turnId),
        kind: 'reply',
        text: 'Happy to help.',
        citations: [],
        grounding: [],
        toolCallIds: [],
        model: { provider: 'offline', name: 'rules', promptVersion: 'v1' },
        usage: { inputTokens: 1, outputTokens: 1 },
        timing: { turnReceivedAt: now, orchestrationStartedAt: now, toolsMs: 0, generationMs: 0 },
        generatedAt: now,
      };
      const envelope = createEnvelope(ReplyGenerated, reply, { tenantId }, 'orchestrator');
      void stack.bus.send(ReplyGenerated.topic.name, [toKafkaRecord(ReplyGenerated, envelope)]);
    }, 300);

    const turn = await post(
      `/v1/conversations/${conversationId}/turns?wait=5`,
      { role: 'prospect', text: 'Hi' },
      { 'Idempotency-Key': idempotencyKey },
    );
    expect(turn.status).toBe(200);
    expect(turn.body).toMatchObject({ turnId, status: 'completed', reply: { text: 'Happy to help.' } });

    // Feedback on the whole conversation reaches the watchers too.
    const feedback = await post(`/v1/conversations/${conversationId}/feedback`, { thumbs: 'up', rating: 5 });
    expect(feedback.status).toBe(202);

    const deadline = Date.now() + 5000;
    while (messages.length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await reading;
    expect(messages.map((m) => m.event)).toEqual([
      'turn.received',
      'reply.generated',
      'conversation.feedback.submitted',
    ]);
    expect(messages[0].id).toBe(deriveId(TurnReceived.type, turnId));
    expect(JSON.parse(messages[2].data)).toMatchObject({ data: { conversationId, thumbs: 'up', rating: 5 } });
  });

  /** The first `count` SSE messages of the conversation's stream (fewer when `ms` pass first). */
  async function firstMessages(
    conversationId: string,
    headers: Record<string, string>,
    count: number,
    ms = 5000,
  ): Promise<EventSourceMessage[]> {
    const controller = new AbortController();
    const stream = await fetch(`${running.url}/v1/conversations/${conversationId}/events`, {
      headers: { authorization: `Bearer ${devKey}`, ...headers },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const messages: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (m) => messages.push(m) });
    const timer = setTimeout(() => controller.abort(), ms);
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (messages.length >= count) break;
      }
    } catch {
      // aborted: fewer messages than asked for
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    return messages.slice(0, count);
  }

  it('replays what a reconnecting client missed (Last-Event-ID), or tells it to reload', async () => {
    const conversation = await post('/v1/conversations', { prospect: { name: 'Noor' }, mode: 'autonomous' });
    const conversationId = conversation.body.id as string;
    const turn = await post(`/v1/conversations/${conversationId}/turns`, {
      role: 'prospect',
      text: 'Hello?',
    });
    expect(turn.status).toBe(202);
    const turnId = turn.body.turnId as string;
    const turnEventId = deriveId(TurnReceived.type, turnId);

    // The reply comes while nobody watches (the client lost its connection after turn.received).
    const now = new Date().toISOString();
    const reply = createEnvelope(
      ReplyGenerated,
      {
        conversationId,
        turnId,
        replyId: deriveId('reply', turnId),
        kind: 'reply',
        text: 'Hello, Noor.',
        citations: [],
        grounding: [],
        toolCallIds: [],
        model: { provider: 'offline', name: 'rules', promptVersion: 'v1' },
        usage: { inputTokens: 1, outputTokens: 1 },
        timing: { turnReceivedAt: now, orchestrationStartedAt: now, toolsMs: 0, generationMs: 0 },
        generatedAt: now,
      },
      { tenantId },
      'orchestrator',
    );
    await stack.bus.send(ReplyGenerated.topic.name, [toKafkaRecord(ReplyGenerated, reply)]);
    await stack.bus.drain();

    const resumed = await firstMessages(conversationId, { 'Last-Event-ID': turnEventId }, 1);
    expect(resumed.map((m) => [m.event, m.id])).toEqual([['reply.generated', reply.id]]);
    expect(JSON.parse(resumed[0].data)).toMatchObject({ data: { text: 'Hello, Noor.' } });

    const lost = await firstMessages(
      conversationId,
      { 'Last-Event-ID': 'an-id-this-gateway-never-relayed' },
      1,
    );
    // Its id is the client's own: reconnecting again still asks for what follows that event.
    expect(lost.map((m) => [m.event, m.id])).toEqual([['stream.reset', 'an-id-this-gateway-never-relayed']]);
    expect(JSON.parse(lost[0].data)).toMatchObject({ reason: 'events_unavailable' });
  });

  it('serves the OpenAPI document through the configure hook', async () => {
    const response = await fetch(`${running.url}/docs/openapi.json`);
    expect(response.status).toBe(200);
    const big = await fetch(`${running.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${devKey}`, 'content-type': 'application/json' },
      body: new Blob([JSON.stringify({ title: 'x'.repeat(70_000) })]).stream(),
      duplex: 'half',
    });
    expect(big.status).toBe(413);
  });
});
