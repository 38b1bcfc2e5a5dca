import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  AnalysisCompleted,
  ConversationStarted,
  deriveId,
  EvaluationCompleted,
  FeedbackSubmitted,
  newId,
  ReplyGenerated,
  TurnReceived,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
} from '@lib/contracts';
import { createEnvelope } from '@lib/messaging';
import type { ConversationView } from '@lib/conversation-record';
import { DataSource } from 'typeorm';
import { GatewayEventRelay } from './events/gateway-event-relay.controller';
import {
  FakePersistence,
  GatewayClient,
  RecordingSink,
  startGatewayApp,
  type GatewayTestApp,
  type Json,
} from './testing/gateway-harness';

const ADMIN_KEY = 'admin-key-for-the-integration-test';

/** The transport: records what the gateway sends, can fail, and loops events back to its relay. */
const sink = new RecordingSink();

describe('gateway HTTP API (PostgreSQL, Nest HTTP app)', () => {
  let gateway: GatewayTestApp;
  let app: INestApplication;
  let dataSource: DataSource;
  let record: FakePersistence;
  let deliver: (envelope: EventEnvelope<unknown>) => void;
  let keyA: string;
  let keyB: string;
  let tenantA: string;
  const { call, createTenant, startConversation } = new GatewayClient(() => gateway.url, ADMIN_KEY);

  /** An event as another service would emit it, delivered to the gateway through its relay. */
  const feed = <D extends EventDefinition>(
    definition: D,
    data: EventData<D>,
    tenantId: string,
    id?: string,
  ) => {
    const envelope = createEnvelope(definition, data, { tenantId, id }, 'test');
    deliver(envelope);
    return envelope;
  };

  beforeAll(async () => {
    gateway = await startGatewayApp('gateway_api', sink, {
      ADMIN_API_KEY: ADMIN_KEY,
      SSE_HEARTBEAT_SECONDS: '1',
    });
    app = gateway.app;
    record = gateway.persistence;
    dataSource = app.get(DataSource);

    // Dispatch like the transport: by the @OnEvent patterns of the relay's methods.
    const relay = app.get(GatewayEventRelay);
    const handlers = new Map<string, (e: EventEnvelope<unknown>) => void>();
    const prototype = GatewayEventRelay.prototype as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = prototype[name];
      if (typeof method !== 'function') continue;
      const patterns = Reflect.getMetadata(PATTERN_METADATA, method) as string[] | undefined;
      for (const pattern of patterns ?? []) {
        handlers.set(pattern, (e) => (method as (e: unknown) => void).call(relay, e));
      }
    }
    deliver = (envelope) => handlers.get(envelope.type)?.(envelope);
    sink.loopback = deliver;

    ({ id: tenantA, key: keyA } = await createTenant('tenant-a'));
    ({ key: keyB } = await createTenant('tenant-b', {}));
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  beforeEach(() => {
    sink.failing = false;
    sink.afterSend = () => undefined;
    record.failing = false;
  });

  describe('admin API', () => {
    it('creates tenants and keys shown once', async () => {
      expect(tenantA).toMatch(/^[0-9a-f-]{36}$/);
      expect(keyA).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
      const duplicate = await call('POST', '/admin/v1/tenants', {
        key: ADMIN_KEY,
        body: { name: 'tenant-a' },
      });
      expect(duplicate.status).toBe(409);
      const unknown = await call('POST', `/admin/v1/tenants/${newId()}/api-keys`, {
        key: ADMIN_KEY,
        body: {},
      });
      expect(unknown.status).toBe(404);
    });

    it('rejects tenant keys and wrong admin keys', async () => {
      expect((await call('POST', '/admin/v1/tenants', { key: keyA, body: { name: 'x' } })).status).toBe(401);
      expect((await call('POST', '/admin/v1/tenants', { body: { name: 'x' } })).status).toBe(401);
    });

    it('revokes a key: the next request with it gets 401', async () => {
      const created = await call('POST', `/admin/v1/tenants/${tenantA}/api-keys`, {
        key: ADMIN_KEY,
        body: {},
      });
      const key = created.body.key as string;
      expect(
        (await call('POST', '/v1/conversations', { key, body: { prospect: { name: 'x' }, mode: 'assist' } }))
          .status,
      ).toBe(201);
      expect(
        (await call('DELETE', `/admin/v1/api-keys/${created.body.id as string}`, { key: ADMIN_KEY })).status,
      ).toBe(204);
      expect(
        (await call('POST', '/v1/conversations', { key, body: { prospect: { name: 'x' }, mode: 'assist' } }))
          .status,
      ).toBe(401);
    });
  });

  describe('authentication', () => {
    it('answers 401 problem+json without a key or with an unknown one', async () => {
      const missing = await call('POST', '/v1/conversations', {
        body: { prospect: { name: 'x' }, mode: 'assist' },
      });
      expect(missing.status).toBe(401);
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect(missing.body).toMatchObject({
        status: 401,
        title: 'Unauthorized',
        instance: '/v1/conversations',
      });
      const wrong = await call('GET', `/v1/conversations/${newId()}`, { key: 'sk_not-a-real-key' });
      expect(wrong.status).toBe(401);
    });
  });

  describe('conversations and turns', () => {
    it('creates a conversation and announces it through the outbox', async () => {
      const created = await call('POST', '/v1/conversations', {
        key: keyA,
        body: { prospect: { email: 'dana@acme.test' }, mode: 'autonomous', title: 'Renewal' },
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      expect(created.body).toMatchObject({
        mode: 'autonomous',
        prospect: { email: 'dana@acme.test' },
        links: { self: `/v1/conversations/${id}`, events: `/v1/conversations/${id}/events` },
      });
      const owner: { tenant_id: string }[] = await dataSource.query(
        `SELECT "tenant_id" FROM "gateway"."conversations" WHERE "id" = $1`,
        [id],
      );
      expect(owner[0].tenant_id).toBe(tenantA);
      await waitFor(() => sink.ofType(ConversationStarted).some((s) => s.record.key === id));
      const started = sink.ofType(ConversationStarted).find((s) => s.record.key === id)!;
      expect(started.record.headers.ce_tenantid).toBe(tenantA);
      expect(started.envelope.data).toMatchObject({
        conversationId: id,
        mode: 'autonomous',
        title: 'Renewal',
      });
    });

    it('accepts a turn with 202 once TurnReceived is published, keyed by conversation, with the tenant', async () => {
      const id = await startConversation(keyA);
      const before = sink.ofType(TurnReceived).length;
      const turn = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: 'What does the Pro plan cost?' },
      });
      expect(turn.status).toBe(202);
      expect(turn.body).toMatchObject({ conversationId: id, sequence: 1, status: 'accepted' });
      const published = sink.ofType(TurnReceived).slice(before);
      expect(published).toHaveLength(1);
      expect(published[0].record.key).toBe(id);
      expect(published[0].record.headers.ce_tenantid).toBe(tenantA);
      expect(published[0].envelope.data).toMatchObject({
        turnId: turn.body.turnId,
        sequence: 1,
        role: 'prospect',
        text: 'What does the Pro plan cost?',
        conversation: { mode: 'assist', prospect: { name: 'Dana', company: 'Acme' } },
      });

      const second = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'rep', text: 'Let me check.' },
      });
      expect(second.body.sequence).toBe(2);
      expect(sink.ofType(TurnReceived).at(-1)?.envelope.data).not.toHaveProperty('suggestion');
    });

    it("passes the suggestion a rep's turn sends on to TurnReceived, and refuses it on a prospect turn", async () => {
      const id = await startConversation(keyA);
      const replyId = '0195f3a0-0000-7000-8000-0000000000aa';
      const sent = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'rep', text: 'Our Pro plan is $450 a month.', suggestion: { replyId } },
      });
      expect(sent.status).toBe(202);
      const published = sink
        .ofType(TurnReceived)
        .find((s) => (s.envelope.data as { turnId: string }).turnId === sent.body.turnId);
      expect(published?.envelope.data).toMatchObject({ role: 'rep', suggestion: { replyId } });

      const refused = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: 'Hi', suggestion: { replyId } },
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ errors: [{ field: 'suggestion' }] });
    });

    it('gives the same turn for the same Idempotency-Key, without a second turn', async () => {
      const id = await startConversation(keyA);
      const send = () =>
        call('POST', `/v1/conversations/${id}/turns`, {
          key: keyA,
          body: { role: 'prospect', text: 'Hello' },
          headers: { 'Idempotency-Key': 'client-retry-1' },
        });
      const first = await send();
      const second = await send();
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.body.turnId).toBe(first.body.turnId);
      expect(first.body.turnId).toBe(deriveId(tenantA, id, 'client-retry-1'));
      expect(second.body.sequence).toBe(1);
      const rows: unknown[] = await dataSource.query(
        `SELECT 1 FROM "gateway"."turns" WHERE "conversation_id" = $1`,
        [id],
      );
      expect(rows).toHaveLength(1);
      const published = sink.ofType(TurnReceived).filter((s) => s.record.key === id);
      expect(published).toHaveLength(1);
      const other = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: 'Hello' },
        headers: { 'Idempotency-Key': 'client-retry-2' },
      });
      expect(other.body.sequence).toBe(2);
    });

    it('answers 503 and keeps nothing when the transport fails; the retry then succeeds', async () => {
      const id = await startConversation(keyA);
      sink.failing = true;
      const failed = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: 'Hi' },
        headers: { 'Idempotency-Key': 'k' },
      });
      expect(failed.status).toBe(503);
      expect(failed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(failed.headers.get('retry-after')).toBe('1');
      expect(JSON.stringify(failed.body)).not.toContain('broker unavailable');
      const rows: unknown[] = await dataSource.query(
        `SELECT 1 FROM "gateway"."turns" WHERE "conversation_id" = $1`,
        [id],
      );
      expect(rows).toHaveLength(0);

      sink.failing = false;
      const retried = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: 'Hi' },
        headers: { 'Idempotency-Key': 'k' },
      });
      expect(retried.status).toBe(202);
      expect(retried.body).toMatchObject({ turnId: deriveId(tenantA, id, 'k'), sequence: 1 });
    });

    it('with ?wait returns the reply when it comes in time, else 202', async () => {
      const id = await startConversation(keyA);
      sink.afterSend = (envelope) => {
        if (envelope.type !== TurnReceived.type) return;
        const { turnId, conversationId } = envelope.data as { turnId: string; conversationId: string };
        setTimeout(() => {
          feed(AnalysisCompleted, analysisOf(conversationId, turnId), tenantA);
          feed(ReplyGenerated, replyOf(conversationId, turnId), tenantA);
        }, 100);
      };
      const waited = await call('POST', `/v1/conversations/${id}/turns?wait=2`, {
        key: keyA,
        body: { role: 'prospect', text: 'Price?' },
      });
      expect(waited.status).toBe(200);
      expect(waited.body).toMatchObject({
        status: 'completed',
        sequence: 1,
        reply: { kind: 'suggestion', text: 'The Pro plan is 49 USD per seat.' },
        analysis: { analysis: { stage: 'discovery' } },
      });

      sink.afterSend = () => undefined;
      const started = Date.now();
      const timedOut = await call('POST', `/v1/conversations/${id}/turns?wait=1`, {
        key: keyA,
        body: { role: 'prospect', text: 'Anyone?' },
      });
      expect(timedOut.status).toBe(202);
      expect(timedOut.body.status).toBe('accepted');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });

    it('serves the conversation record of persistence, or what the gateway knows before it has it', async () => {
      const id = await startConversation(keyA);
      const pending = await call('GET', `/v1/conversations/${id}`, { key: keyA });
      expect(pending.status).toBe(200);
      expect(pending.body).toMatchObject({
        conversation: { id, status: 'pending', mode: 'assist' },
        turns: [],
      });

      record.views.set(id, recordedView(id, tenantA));
      const recorded = await call('GET', `/v1/conversations/${id}`, { key: keyA });
      expect(recorded.body).toMatchObject({ conversation: { id, status: 'active', title: 'Recorded' } });

      record.failing = true;
      expect((await call('GET', `/v1/conversations/${id}`, { key: keyA })).status).toBe(503);
    });
  });

  describe('tenant isolation', () => {
    it("answers 404 to another tenant's key on every route of a conversation", async () => {
      const id = await startConversation(keyA);
      const turn = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'rep', text: 'Hi' },
      });
      const turnsBefore = sink.ofType(TurnReceived).length;

      const get = await call('GET', `/v1/conversations/${id}`, { key: keyB });
      expect(get.status).toBe(404);
      expect(get.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(
        (await call('POST', `/v1/conversations/${id}/turns`, { key: keyB, body: { role: 'rep', text: 'x' } }))
          .status,
      ).toBe(404);
      expect((await call('GET', `/v1/conversations/${id}/events`, { key: keyB })).status).toBe(404);
      expect(
        (
          await call('POST', `/v1/turns/${turn.body.turnId as string}/feedback`, {
            key: keyB,
            body: { thumbs: 'up' },
          })
        ).status,
      ).toBe(404);
      expect(sink.ofType(TurnReceived).length).toBe(turnsBefore);
      expect((await call('GET', `/v1/conversations/${newId()}`, { key: keyA })).status).toBe(404);
    });
  });

  describe('validation and limits', () => {
    it('answers 400 problem+json naming the field', async () => {
      const id = await startConversation(keyA);
      const empty = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: '' },
      });
      expect(empty.status).toBe(400);
      expect(empty.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(empty.body).toMatchObject({ status: 400, errors: [{ field: 'text' }] });

      const badMode = await call('POST', '/v1/conversations', {
        key: keyA,
        body: { prospect: {}, mode: 'chaos' },
      });
      expect((badMode.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
        'mode',
        'prospect',
      ]);

      const badId = await call('GET', '/v1/conversations/not-a-uuid', { key: keyA });
      expect(badId.body).toMatchObject({ status: 400, errors: [{ field: 'id' }] });

      const badKey = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: 'x' },
        headers: { 'Idempotency-Key': 'has spaces' },
      });
      expect(badKey.body).toMatchObject({ status: 400, errors: [{ field: 'Idempotency-Key' }] });

      const badWait = await call('POST', `/v1/conversations/${id}/turns?wait=99`, {
        key: keyA,
        body: { role: 'rep', text: 'x' },
      });
      expect(badWait.body).toMatchObject({ status: 400, errors: [{ field: 'wait' }] });

      const malformed = await call('POST', '/v1/conversations', {
        key: keyA,
        raw: '{"prospect":',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('answers 413 to bodies over 64 KB, announced or chunked', async () => {
      const id = await startConversation(keyA);
      const big = JSON.stringify({ role: 'prospect', text: 'x'.repeat(70 * 1024) });
      const announced = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        raw: big,
        headers: { 'content-type': 'application/json' },
      });
      expect(announced.status).toBe(413);
      expect(announced.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      const chunked = await fetch(`${gateway.url}/v1/conversations/${id}/turns`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' },
        body: new Blob([big]).stream(),
        duplex: 'half',
      });
      expect(chunked.status).toBe(413);
      expect(((await chunked.json()) as Json).status).toBe(413);
    });

    it('answers 415 to a body that is not JSON', async () => {
      const response = await call('POST', '/v1/conversations', {
        key: keyA,
        raw: 'hello',
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('answers 404 problem+json to unknown routes', async () => {
      const response = await call('GET', '/v2/nothing', { key: keyA });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe('feedback', () => {
    it('publishes FeedbackSubmitted for a turn of the tenant', async () => {
      const id = await startConversation(keyA);
      const turn = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: 'Hi' },
      });
      const turnId = turn.body.turnId as string;
      const feedback = await call('POST', `/v1/turns/${turnId}/feedback`, {
        key: keyA,
        body: { thumbs: 'down', rating: 2 },
      });
      expect(feedback.status).toBe(202);
      const published = sink
        .ofType(FeedbackSubmitted)
        .find((s) => s.envelope.data && (s.envelope.data as Json).turnId === turnId);
      expect(published?.record.key).toBe(id);
      expect(published?.envelope.data).toMatchObject({
        feedbackId: feedback.body.feedbackId,
        thumbs: 'down',
        rating: 2,
      });
      expect(
        (await call('POST', `/v1/turns/${newId()}/feedback`, { key: keyA, body: { thumbs: 'up' } })).status,
      ).toBe(404);
      expect((await call('POST', `/v1/turns/${turnId}/feedback`, { key: keyA, body: {} })).status).toBe(400);
    });
  });

  describe('Server-Sent Events', () => {
    it("streams the conversation's events in order, once each, only the tenant's", async () => {
      const id = await startConversation(keyA);
      const controller = new AbortController();
      const response = await fetch(`${gateway.url}/v1/conversations/${id}/events`, {
        headers: { authorization: `Bearer ${keyA}` },
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);

      const messages: EventSourceMessage[] = [];
      const comments: string[] = [];
      const parser = createParser({ onEvent: (m) => messages.push(m), onComment: (c) => comments.push(c) });
      const reading = (async () => {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            parser.feed(decoder.decode(chunk, { stream: true }));
          }
        } catch {
          // aborted at the end of the test
        }
      })();

      const turn = await call('POST', `/v1/conversations/${id}/turns`, {
        key: keyA,
        body: { role: 'prospect', text: 'Price?' },
      });
      const turnId = turn.body.turnId as string;
      const analysis = feed(AnalysisCompleted, analysisOf(id, turnId), tenantA);
      deliver(analysis); // redelivered: must not show twice
      feed(AnalysisCompleted, analysisOf(id, turnId), 'some-other-tenant'); // not this tenant's: filtered
      const reply = feed(ReplyGenerated, replyOf(id, turnId), tenantA);
      const evaluation = feed(EvaluationCompleted, evaluationOf(id, turnId, reply.data.replyId), tenantA);

      await waitFor(() => messages.length >= 4 && comments.length >= 1, 5000);
      controller.abort();
      await reading;

      expect(messages.map((m) => m.event)).toEqual([
        'turn.received',
        'analysis.completed',
        'reply.generated',
        'evaluation.completed',
      ]);
      expect(messages[0].id).toBe(deriveId(TurnReceived.type, turnId));
      expect(messages.slice(1).map((m) => m.id)).toEqual([analysis.id, reply.id, evaluation.id]);
      const data = JSON.parse(messages[2].data) as Json;
      expect(data).toEqual({ type: ReplyGenerated.type, id: reply.id, time: reply.time, data: reply.data });
      expect(comments).toContain('keep-alive');
    });
  });

  describe('OpenAPI', () => {
    it('documents the endpoints, bodies and problem responses', async () => {
      const response = await fetch(`${gateway.url}/docs/openapi.json`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as {
        openapi: string;
        paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
      };
      expect(document.openapi).toMatch(/^3\./);
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining([
          '/v1/conversations',
          '/v1/conversations/{id}/turns',
          '/v1/conversations/{id}',
          '/v1/conversations/{id}/events',
          '/v1/turns/{turnId}/feedback',
          '/admin/v1/tenants',
          '/admin/v1/tenants/{id}/api-keys',
        ]),
      );
      expect(Object.keys(document.paths).some((p) => p.startsWith('/health'))).toBe(false);
      const submit = document.paths['/v1/conversations/{id}/turns'].post;
      expect(submit.requestBody).toEqual({
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/SubmitTurnRequest' } } },
      });
      expect(Object.keys(submit.responses)).toEqual(
        expect.arrayContaining(['200', '202', '400', '401', '404', '413', '503']),
      );
      expect(document.components.schemas).toHaveProperty('SubmitTurnRequest.properties.text.maxLength', 8000);
      expect(document.components.schemas).toHaveProperty('Problem.properties.errors');
      expect(document.components.securitySchemes).toHaveProperty('apiKey');
      const ui = await fetch(`${gateway.url}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toMatch(/swagger/i);
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const model = { provider: 'offline', name: 'rules', promptVersion: 'v1' };

function analysisOf(conversationId: string, turnId: string): EventData<typeof AnalysisCompleted> {
  return {
    conversationId,
    turnId,
    analysis: {
      intents: [{ name: 'pricing_question', confidence: 0.9 }],
      sentiment: { label: 'neutral', score: 0 },
      entities: [],
      objections: [],
      buyingSignals: [],
      stage: 'discovery',
    },
    model,
    completedAt: new Date().toISOString(),
  };
}

function replyOf(conversationId: string, turnId: string): EventData<typeof ReplyGenerated> {
  const now = new Date().toISOString();
  return {
    conversationId,
    turnId,
    replyId: deriveId('reply', turnId),
    kind: 'suggestion',
    text: 'The Pro plan is 49 USD per seat.',
    citations: [],
    grounding: [],
    toolCallIds: [],
    model,
    usage: { inputTokens: 10, outputTokens: 10 },
    timing: { turnReceivedAt: now, orchestrationStartedAt: now, toolsMs: 1, generationMs: 1 },
    generatedAt: now,
  };
}

function evaluationOf(
  conversationId: string,
  turnId: string,
  replyId: string,
): EventData<typeof EvaluationCompleted> {
  return {
    conversationId,
    turnId,
    replyId,
    evaluationId: deriveId('evaluation', replyId),
    scores: { groundedness: 1, grounded: true, citationValidity: 1, schemaValid: true },
    latency: { totalMs: 10, stages: {} },
    promptVersion: 'v1',
    evaluator: { name: 'rules', version: '1' },
    evaluatedAt: new Date().toISOString(),
  };
}

function recordedView(id: string, tenantId: string): ConversationView {
  const now = new Date().toISOString();
  return {
    conversation: {
      id,
      tenantId,
      status: 'active',
      mode: 'assist',
      prospect: { name: 'Dana' },
      repId: null,
      title: 'Recorded',
      stage: null,
      startedAt: now,
      updatedAt: now,
      turnCount: 0,
    },
    turns: [],
    alerts: [],
  };
}
