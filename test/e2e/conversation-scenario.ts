import { randomBytes } from 'node:crypto';
import { eventually } from '@lib/testing';
import { GatewayClient, type EventStream } from './api-client';

interface TurnResult {
  turnId: string;
  conversationId: string;
  sequence: number;
  status: 'accepted' | 'completed' | 'failed';
  reply?: { text: string; citations: { sourceId: string }[] };
}

interface ConversationRecord {
  conversation: { id: string; turnCount?: number };
  turns: {
    id: string;
    sequence: number;
    role: string;
    analysis?: { intents: { name: string }[] };
    reply?: { text: string; citations: { sourceId: string }[] };
    evaluations: { scores: { groundedness: number } }[];
    feedback: unknown[];
  }[];
}

/** A W3C traceparent for a new trace, so the test knows the trace id of the turn it sends. */
export function newTraceparent(): { traceId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

export interface ScenarioResult {
  conversationId: string;
  turnIds: string[];
  /** The trace id the first turn was sent with. */
  traceId: string;
  events: EventStream;
}

const TURN_OUTCOME = ['analysis.completed', 'reply.generated', 'evaluation.completed'];

/**
 * A multi-turn sales conversation through the public API, with the assertions both modes share: the SSE stream
 * delivers analysis, reply and evaluation in order; idempotent retries make one turn; the record holds
 * every turn with its analysis, reply and evaluation; another tenant sees nothing.
 */
export async function runConversationScenario(
  tenantA: GatewayClient,
  tenantB: GatewayClient,
  timeoutMs = 60_000,
): Promise<ScenarioResult> {
  const created = await tenantA.json<{ id: string }>('POST', '/v1/conversations', {
    mode: 'autonomous',
    prospect: { email: 'maya.chen@northwindpay.com' },
    title: 'Northwind Pay evaluation',
  });
  expect(created.status).toBe(201);
  const conversationId = created.body.id;
  const events = await tenantA.openEvents(conversationId);

  // Turn 1, sent twice with the same Idempotency-Key (a client retry): one turn.
  const trace = newTraceparent();
  const turnBody = {
    role: 'prospect',
    text: 'Hi! How much does PostHog cost, and do you offer annual plans with a discount?',
  };
  const first = await tenantA.json<TurnResult>(
    'POST',
    `/v1/conversations/${conversationId}/turns`,
    turnBody,
    {
      'idempotency-key': 'turn-1',
      traceparent: trace.header,
    },
  );
  expect(first.status).toBe(202);
  expect(first.body.status).toBe('accepted');
  const retry = await tenantA.json<TurnResult>(
    'POST',
    `/v1/conversations/${conversationId}/turns`,
    turnBody,
    {
      'idempotency-key': 'turn-1',
    },
  );
  expect([200, 202]).toContain(retry.status);
  expect(retry.body.turnId).toBe(first.body.turnId);
  const turn1 = first.body.turnId;

  await eventually(
    async () => (TURN_OUTCOME.every((n) => events.namesForTurn(turn1).includes(n)) ? true : undefined),
    timeoutMs,
    `analysis, reply and evaluation of turn 1 on the SSE stream (got ${JSON.stringify(events.namesForTurn(turn1))})`,
  );
  const order = events.namesForTurn(turn1).filter((n) => TURN_OUTCOME.includes(n));
  expect(order).toEqual(TURN_OUTCOME);

  // Turn 2, an objection, answered synchronously with ?wait.
  const second = await tenantA.json<TurnResult>('POST', `/v1/conversations/${conversationId}/turns?wait=30`, {
    role: 'prospect',
    text: 'Honestly that sounds too expensive, we already use Mixpanel. What about security and SOC 2?',
  });
  expect(second.status).toBe(200);
  expect(second.body.status).toBe('completed');
  expect(second.body.sequence).toBe(2);
  expect(second.body.reply?.text.length).toBeGreaterThan(0);
  const turn2 = second.body.turnId;

  // A rep turn: analysed, no reply.
  const rep = await tenantA.json<TurnResult>('POST', `/v1/conversations/${conversationId}/turns`, {
    role: 'rep',
    text: 'Totally fair. Let me share our SOC 2 report and the annual plan pricing.',
  });
  expect(rep.status).toBe(202);

  // The record: every turn once, with analyses, replies and evaluations (persistence consumes asynchronously).
  const record = await eventually(
    async () => {
      const res = await tenantA.json<ConversationRecord>('GET', `/v1/conversations/${conversationId}`);
      const turns = res.body?.turns ?? [];
      const complete =
        turns.length === 3 &&
        turns.filter((t) => t.role === 'prospect').every((t) => t.reply && t.evaluations.length === 1) &&
        turns.every((t) => t.analysis);
      return complete ? res.body : undefined;
    },
    timeoutMs,
    'the conversation record with 3 turns, 2 replies and 2 evaluations',
  );
  expect(record.turns.map((t) => t.sequence)).toEqual([1, 2, 3]);
  expect(record.turns[0].id).toBe(turn1);
  expect(record.turns[0].analysis?.intents.map((i) => i.name)).toContain('pricing_inquiry');
  // Cited from the right document: the question is about annual plans and their discount.
  expect(record.turns[0].reply?.citations.map((c) => c.sourceId)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^kb:posthog\/annual-plans\.md#/)]),
  );
  expect(record.turns[2].reply).toBeUndefined();

  // Feedback on the reply of turn 1.
  const feedback = await tenantA.json<{ feedbackId: string }>('POST', `/v1/turns/${turn1}/feedback`, {
    thumbs: 'up',
    rating: 5,
    comment: 'Accurate and cited',
  });
  expect(feedback.status).toBe(202);
  await eventually(
    async () => (events.namesForTurn(turn1).includes('feedback.submitted') ? true : undefined),
    timeoutMs,
    'feedback.submitted on the SSE stream',
  );

  // Another tenant: the conversation does not exist for it.
  for (const [method, path, body] of [
    ['GET', `/v1/conversations/${conversationId}`, undefined],
    ['POST', `/v1/conversations/${conversationId}/turns`, { role: 'prospect', text: 'hello?' }],
    ['GET', `/v1/conversations/${conversationId}/events`, undefined],
    ['POST', `/v1/turns/${turn1}/feedback`, { thumbs: 'down' }],
  ] as const) {
    const res = await tenantB.request(method, path, body);
    expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    await res.body?.cancel();
  }

  // Validation errors name the field.
  const invalid = await tenantA.json<{ errors: { field: string }[] }>(
    'POST',
    `/v1/conversations/${conversationId}/turns`,
    { role: 'prospect', text: '' },
  );
  expect(invalid.status).toBe(400);
  expect(invalid.contentType).toContain('application/problem+json');
  expect(invalid.body.errors.map((e) => e.field)).toContain('text');

  return { conversationId, turnIds: [turn1, turn2, rep.body.turnId], traceId: trace.traceId, events };
}
