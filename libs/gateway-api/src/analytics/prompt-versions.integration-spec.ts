import { deriveId, newId } from '@lib/contracts';
import {
  ConversationRecorder,
  PERSISTENCE_SCHEMA,
  persistenceService,
  PromptVersionComparison,
} from '@lib/conversation-record';
import { UnitOfWork } from '@lib/database';
import type { RunningService } from '@lib/runtime';
import { gatewayService } from '../gateway.service-definition';
import { GatewayClient, startServiceStack, type Json, type ServiceStack } from '../testing/gateway-harness';
import { PROMPT_VERSIONS_EXAMPLE } from './prompt-versions.controller';

/**
 * Conversation feedback and the prompt-version comparison through the public API, with the real persistence
 * service behind the gateway (runtime, in-process transport, one test database): the feedback route's
 * 202 / idempotency / 400 / 404 / 410, the feedback stored by persistence and counted for the prompt versions
 * that replied in the conversation, the analytics route's 400s, and its OpenAPI documentation.
 */
const ADMIN_KEY = 'admin-key-for-the-prompt-versions-test';

describe('conversation feedback and prompt versions (gateway + persistence, PostgreSQL)', () => {
  let stack: ServiceStack;
  let persistence: RunningService;
  let gateway: RunningService;
  const tenants: { id: string; key: string }[] = [];
  const api = new GatewayClient(() => gateway.url, ADMIN_KEY);

  const call = (method: string, path: string, key?: string, body?: unknown, headers = {}) =>
    api.call(method, path, { key, body, headers });

  const storedFeedback = async (conversationId: string): Promise<Json[]> =>
    persistence.app.get(UnitOfWork).dataSource.query(
      `SELECT "id", "tenant_id", "thumbs", "rating", "comment" FROM "${PERSISTENCE_SCHEMA}"."conversation_feedback"
         WHERE "conversation_id" = $1`,
      [conversationId],
    );

  const eventually = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    for (let i = 0; i < 100; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return read();
  };

  beforeAll(async () => {
    stack = await startServiceStack('gateway_prompt_versions', { ADMIN_API_KEY: ADMIN_KEY });
    persistence = await stack.start(persistenceService, 'PERSISTENCE_URL');
    gateway = await stack.start(gatewayService);
    for (const name of ['pv-a', 'pv-b']) tenants.push(await api.createTenant(name));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const startConversation = async (key: string): Promise<string> => {
    const created = await call('POST', '/v1/conversations', key, {
      prospect: { name: 'Dana Scott', company: 'Acme' },
      mode: 'assist',
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };

  it('accepts feedback on a conversation, once per Idempotency-Key, stores it and counts it per prompt version', async () => {
    const [a] = tenants;
    const conversationId = await startConversation(a.key);
    const path = `/v1/conversations/${conversationId}/feedback`;
    const first = await call(
      'POST',
      path,
      a.key,
      { thumbs: 'up', rating: 5, comment: 'great' },
      {
        'idempotency-key': 'fb-1',
      },
    );
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      feedbackId: deriveId(a.id, conversationId, 'conversation-feedback', 'fb-1'),
      conversationId,
      status: 'accepted',
    });
    const again = await call(
      'POST',
      path,
      a.key,
      { thumbs: 'up', rating: 5, comment: 'great' },
      {
        'idempotency-key': 'fb-1',
      },
    );
    expect(again.body).toEqual(first.body);

    const stored = await eventually(
      () => storedFeedback(conversationId),
      (rows) => rows.length > 0,
    );
    expect(stored).toEqual([
      { id: first.body.feedbackId, tenant_id: a.id, thumbs: 'up', rating: 5, comment: 'great' },
    ]);

    // A reply of the conversation, by prompt version "pv-test" and model "model-x": the feedback counts for it.
    const generatedAt = new Date().toISOString();
    await persistence.app.get(ConversationRecorder).replyGenerated(a.id, {
      conversationId,
      turnId: newId(),
      replyId: newId(),
      kind: 'suggestion',
      text: 'Here is the pricing.',
      citations: [],
      grounding: [],
      toolCallIds: [],
      model: { provider: 'test', name: 'model-x', promptVersion: 'pv-test' },
      usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.0001 },
      timing: {
        turnReceivedAt: new Date(Date.parse(generatedAt) - 1200).toISOString(),
        orchestrationStartedAt: generatedAt,
        toolsMs: 0,
        generationMs: 1000,
      },
      generatedAt,
    });
    const comparison = await call('GET', '/v1/analytics/prompt-versions', a.key);
    expect(comparison.status).toBe(200);
    const parsed = PromptVersionComparison.parse(comparison.body);
    expect(parsed.items).toHaveLength(1);
    expect(parsed.items[0]).toMatchObject({
      promptVersion: 'pv-test',
      model: 'model-x',
      replies: 1,
      satisfaction: { feedback: 1, conversationFeedback: 1, ratings: 1, averageRating: 5, thumbsUpShare: 1 },
      latency: { p50Ms: 1200, p95Ms: 1200 },
      usage: { tokensPerTurn: 15, costPerTurnUsd: 0.0001 },
    });
    // The other tenant sees none of it.
    const other = await call('GET', '/v1/analytics/prompt-versions', tenants[1].key);
    expect(other.body.items).toEqual([]);
  });

  it('answers 400 for a bad body, 404 for an unknown or another tenant’s conversation, 410 once deleted', async () => {
    const [a, b] = tenants;
    const conversationId = await startConversation(a.key);
    const path = `/v1/conversations/${conversationId}/feedback`;
    const empty = await call('POST', path, a.key, {});
    expect(empty.status).toBe(400);
    expect(empty.type).toMatch(/^application\/problem\+json/);
    const badRating = await call('POST', path, a.key, { rating: 6 });
    expect(badRating.status).toBe(400);
    expect(JSON.stringify(badRating.body.errors)).toContain('rating');
    expect((await call('POST', `/v1/conversations/not-a-uuid/feedback`, a.key, { rating: 3 })).status).toBe(
      400,
    );
    expect((await call('POST', `/v1/conversations/${newId()}/feedback`, a.key, { rating: 3 })).status).toBe(
      404,
    );
    expect((await call('POST', path, b.key, { rating: 3 })).status).toBe(404);
    expect((await call('POST', path, undefined, { rating: 3 })).status).toBe(401);

    expect((await call('DELETE', `/v1/conversations/${conversationId}`, a.key)).status).toBe(202);
    const gone = await call('POST', path, a.key, { rating: 3 });
    expect(gone.status).toBe(410);
    expect(gone.body.type).toBe('urn:sales-agent:problem:conversation-deleted');
    expect((await call('POST', path, b.key, { rating: 3 })).status).toBe(404);
  });

  it.each([
    ['from=yesterday', 'from'],
    ['from=2025-02-01&to=2025-01-01', 'from'],
    ['from=2023-01-01&to=2025-01-01', 'from'],
    ['model=', 'model'],
    ['promptVersion=v1', 'promptVersion'],
  ])('answers 400 naming the parameter for ?%s', async (query, field) => {
    const response = await call('GET', `/v1/analytics/prompt-versions?${query}`, tenants[0].key);
    expect(response.status).toBe(400);
    expect(response.type).toMatch(/^application\/problem\+json/);
    expect((response.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });

  it('compares across tenants for the admin key only, per tenant with byTenant=true', async () => {
    const [a] = tenants;
    const perTenant = await call('GET', '/admin/v1/analytics/prompt-versions?byTenant=true', ADMIN_KEY);
    expect(perTenant.status).toBe(200);
    const parsed = PromptVersionComparison.parse(perTenant.body);
    expect(parsed.items.map((i) => [i.tenantId, i.promptVersion, i.model, i.replies])).toEqual([
      [a.id, 'pv-test', 'model-x', 1],
    ]);
    const added = PromptVersionComparison.parse(
      (await call('GET', '/admin/v1/analytics/prompt-versions', ADMIN_KEY)).body,
    );
    expect(added.items.map((i) => [i.tenantId, i.promptVersion, i.replies])).toEqual([
      [undefined, 'pv-test', 1],
    ]);
    const bad = await call('GET', '/admin/v1/analytics/prompt-versions?byTenant=maybe', ADMIN_KEY);
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['byTenant']);
    expect((await call('GET', '/admin/v1/analytics/prompt-versions', a.key)).status).toBe(401);
    expect((await call('GET', '/admin/v1/analytics/prompt-versions')).status).toBe(401);
  });

  it('needs an API key', async () => {
    const response = await fetch(`${gateway.url}/v1/analytics/prompt-versions`);
    expect(response.status).toBe(401);
  });

  it('documents both routes in OpenAPI, the comparison with an example that matches its schema', async () => {
    const response = await fetch(`${gateway.url}/docs/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, Json>>;
      components: { schemas: Record<string, unknown> };
    };
    const operation = document.paths['/v1/analytics/prompt-versions']?.get;
    expect(operation).toBeDefined();
    const ok = (operation.responses as Record<string, { content: Record<string, Json> }>)['200'];
    expect(ok.content['application/json']).toEqual({
      schema: { $ref: '#/components/schemas/PromptVersionComparison' },
      example: PROMPT_VERSIONS_EXAMPLE,
    });
    expect(() => PromptVersionComparison.parse(PROMPT_VERSIONS_EXAMPLE)).not.toThrow();
    expect(document.components.schemas.PromptVersionComparison).toBeDefined();
    expect((operation.parameters as { name: string }[]).map((p) => p.name).sort()).toEqual([
      'from',
      'model',
      'to',
    ]);
    const feedback = document.paths['/v1/conversations/{id}/feedback']?.post;
    expect(feedback).toBeDefined();
    expect(Object.keys(feedback.responses as Json)).toEqual(
      expect.arrayContaining(['202', '400', '404', '410']),
    );
    expect(document.components.schemas.ConversationFeedbackAccepted).toBeDefined();
  });
});
