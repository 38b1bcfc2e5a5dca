import type { INestApplication } from '@nestjs/common';
import {
  ConversationFeedbackSubmitted,
  deriveId,
  EvaluationCompleted,
  FeedbackSubmitted,
  newId,
  ReplyGenerated,
  type EvaluationCompletedData,
} from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { PERSISTENCE_DATABASE, PERSISTENCE_SCHEMA } from '../index';
import { ConversationEventsController } from '../recording/conversation-events.controller';
import { at, ConversationScript, envelope } from '../testing/fixtures';
import { startTestApp } from '../testing/test-app';
import { ConversationAnalyticsClient } from './analytics.client';
import { PromptVersionsReader } from './prompt-versions.reader';
import {
  PromptVersionComparison,
  PromptVersionsAllTenantsQuery,
  PromptVersionsQuery,
  type PromptVersionRow,
} from './prompt-versions.schema';
import { formatPromptVersionTable } from './prompt-versions.table';

/**
 * The prompt-version comparison on the real PostgreSQL: replies, evaluations (one re-evaluated), turn and
 * conversation feedback of two prompt versions and two models stored through the real event handlers, with
 * answers worked out by hand; tenant scoping, the range, the model filter, 400s, and the command's table.
 */
const A = 'tenant-pv-a';
const B = 'tenant-pv-b';
const RANGE = { from: '2025-01-15', to: '2025-01-16' };
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

interface ReplySpec {
  readonly promptVersion: string;
  readonly model: string;
  readonly latencyMs: number;
  readonly input: number;
  readonly output: number;
  readonly costUsd?: number;
  readonly generatedAt?: string;
}

describe('prompt-version comparison (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let app: INestApplication;
  let client: ConversationAnalyticsClient;
  let events: ConversationEventsController;
  const c1 = new ConversationScript(A);
  const c2 = new ConversationScript(A);
  const c3 = new ConversationScript(A);
  const c4 = new ConversationScript(A);
  const cb = new ConversationScript(B);

  const reply = (script: ConversationScript, sequence: number, spec: ReplySpec) => {
    const base = script.reply(sequence).data;
    const generatedAt = spec.generatedAt ?? at(sequence, 30);
    return events.onReplyGenerated(
      envelope(
        ReplyGenerated,
        {
          ...base,
          model: { provider: 'test', name: spec.model, promptVersion: spec.promptVersion },
          usage: {
            inputTokens: spec.input,
            outputTokens: spec.output,
            ...(spec.costUsd !== undefined && { costUsd: spec.costUsd }),
          },
          timing: {
            ...base.timing,
            turnReceivedAt: new Date(Date.parse(generatedAt) - spec.latencyMs).toISOString(),
          },
          generatedAt,
        },
        script.tenantId,
      ),
    );
  };

  const evaluation = (
    script: ConversationScript,
    sequence: number,
    scores: { groundedness: number; grounded: boolean; citationValidity: number },
    options: { flags?: number; evaluatedAt?: string; n?: number } = {},
  ) => {
    const data: EvaluationCompletedData = {
      conversationId: script.conversationId,
      turnId: script.turnId(sequence),
      replyId: script.replyId(sequence),
      evaluationId: deriveId(script.replyId(sequence), 'evaluation', String(options.n ?? 0)),
      scores: { ...scores, schemaValid: true },
      latency: { totalMs: 100, stages: {} },
      promptVersion: 'recorded-on-the-reply',
      policy: {
        flags: Array.from({ length: options.flags ?? 0 }, (_, i) => ({
          kind: 'pii_leak' as const,
          severity: 'warning' as const,
          evidence: `flag ${i}`,
        })),
      },
      evaluator: { name: 'rules', version: '1' },
      evaluatedAt: options.evaluatedAt ?? at(sequence, 40),
    };
    return events.onEvaluationCompleted(envelope(EvaluationCompleted, data, script.tenantId));
  };

  const turnFeedback = (
    script: ConversationScript,
    sequence: number,
    f: { thumbs?: 'up' | 'down'; rating?: number; comment?: string },
  ) =>
    events.onFeedbackSubmitted(
      envelope(
        FeedbackSubmitted,
        {
          feedbackId: newId(),
          conversationId: script.conversationId,
          turnId: script.turnId(sequence),
          ...f,
          submittedAt: at(50),
        },
        script.tenantId,
      ),
    );

  const conversationFeedback = (
    script: ConversationScript,
    f: { thumbs?: 'up' | 'down'; rating?: number; comment?: string },
    feedbackId = newId(),
  ) =>
    events.onConversationFeedbackSubmitted(
      envelope(
        ConversationFeedbackSubmitted,
        { feedbackId, conversationId: script.conversationId, ...f, submittedAt: at(55) },
        script.tenantId,
      ),
    );

  const repeatedConversationFeedback = newId();

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    ({ app } = await startTestApp(db.uow));
    client = new ConversationAnalyticsClient(await app.getUrl());
    events = app.get(ConversationEventsController);

    for (const script of [c1, c2, c3, c4, cb]) await events.onConversationStarted(script.started());
    // The first turn carries its trace context.
    await events.onTurnReceived({ ...c1.turn(1), traceparent: `00-${TRACE}-00f067aa0ba902b7-01` });
    await events.onTurnReceived(c1.turn(3));

    // (v1, model-a): three replies in two conversations.
    await reply(c1, 1, {
      promptVersion: 'v1',
      model: 'model-a',
      latencyMs: 1000,
      input: 100,
      output: 20,
      costUsd: 0.001,
    });
    await reply(c1, 3, {
      promptVersion: 'v1',
      model: 'model-a',
      latencyMs: 2000,
      input: 200,
      output: 40,
      costUsd: 0.002,
    });
    await reply(c2, 1, { promptVersion: 'v1', model: 'model-a', latencyMs: 4000, input: 300, output: 60 });
    // An older evaluation of the same reply, stored after the newer one: the latest by time counts.
    await evaluation(c1, 1, { groundedness: 0.9, grounded: true, citationValidity: 1 }, { flags: 2 });
    await evaluation(
      c1,
      1,
      { groundedness: 0.1, grounded: false, citationValidity: 0 },
      { flags: 5, evaluatedAt: at(1, 35), n: 1 },
    );
    await evaluation(c1, 3, { groundedness: 0.6, grounded: false, citationValidity: 0.5 });
    await turnFeedback(c1, 1, { thumbs: 'up', rating: 5 });
    await turnFeedback(c1, 3, { thumbs: 'down', rating: 2 });
    await turnFeedback(c2, 1, { comment: 'no opinion' });
    await conversationFeedback(c1, { thumbs: 'up', rating: 4 });
    // Redelivered under another event id: stored once.
    await conversationFeedback(c2, { thumbs: 'down' }, repeatedConversationFeedback);
    await conversationFeedback(c2, { thumbs: 'down' }, repeatedConversationFeedback);

    // (v1, model-b): one reply, in c2 (so c2's conversation feedback counts for it too).
    await reply(c2, 3, {
      promptVersion: 'v1',
      model: 'model-b',
      latencyMs: 3000,
      input: 50,
      output: 10,
      costUsd: 0.0005,
    });
    await evaluation(c2, 3, { groundedness: 1, grounded: true, citationValidity: 1 });

    // (v2, model-a): two replies.
    await reply(c3, 1, {
      promptVersion: 'v2',
      model: 'model-a',
      latencyMs: 500,
      input: 80,
      output: 20,
      costUsd: 0.000333,
    });
    await reply(c3, 3, {
      promptVersion: 'v2',
      model: 'model-a',
      latencyMs: 1500,
      input: 120,
      output: 30,
      costUsd: 0.000334,
    });
    await evaluation(c3, 1, { groundedness: 0.8, grounded: true, citationValidity: 1 });
    await evaluation(c3, 3, { groundedness: 0.7, grounded: true, citationValidity: 0 }, { flags: 1 });
    await turnFeedback(c3, 3, { rating: 3 });

    // Outside the range (the next day): not counted.
    await reply(c4, 1, {
      promptVersion: 'v2',
      model: 'model-b',
      latencyMs: 100,
      input: 1,
      output: 1,
      generatedAt: '2025-01-16T00:00:00.000Z',
    });
    await conversationFeedback(c4, { thumbs: 'up', rating: 5 });

    // Another tenant, same prompt version and model: never in A's numbers.
    await reply(cb, 1, {
      promptVersion: 'v1',
      model: 'model-a',
      latencyMs: 9000,
      input: 9,
      output: 9,
      costUsd: 1,
    });
    await turnFeedback(cb, 1, { thumbs: 'down', rating: 1 });
    await conversationFeedback(cb, { thumbs: 'down', rating: 1 });
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const expectedA = (): PromptVersionRow[] => [
    {
      promptVersion: 'v1',
      model: 'model-a',
      replies: 3,
      quality: {
        evaluated: 2,
        groundedness: 0.75,
        groundedShare: 0.5,
        citationValidity: 0.75,
        policyFlags: 2,
      },
      satisfaction: {
        feedback: 5,
        turnFeedback: 3,
        conversationFeedback: 2,
        ratings: 3,
        averageRating: 3.6667,
        thumbsUp: 2,
        thumbsDown: 2,
        thumbsUpShare: 0.5,
      },
      latency: { measured: 3, p50Ms: 2000, p95Ms: 3800 },
      usage: {
        inputTokensPerTurn: 200,
        outputTokensPerTurn: 40,
        tokensPerTurn: 240,
        costed: 2,
        costPerTurnUsd: 0.0015,
      },
    },
    {
      promptVersion: 'v1',
      model: 'model-b',
      replies: 1,
      quality: {
        evaluated: 1,
        groundedness: 1,
        groundedShare: 1,
        citationValidity: 1,
        policyFlags: 0,
      },
      satisfaction: {
        feedback: 1,
        turnFeedback: 0,
        conversationFeedback: 1,
        ratings: 0,
        averageRating: null,
        thumbsUp: 0,
        thumbsDown: 1,
        thumbsUpShare: 0,
      },
      latency: { measured: 1, p50Ms: 3000, p95Ms: 3000 },
      usage: {
        inputTokensPerTurn: 50,
        outputTokensPerTurn: 10,
        tokensPerTurn: 60,
        costed: 1,
        costPerTurnUsd: 0.0005,
      },
    },
    {
      promptVersion: 'v2',
      model: 'model-a',
      replies: 2,
      quality: {
        evaluated: 2,
        groundedness: 0.75,
        groundedShare: 1,
        citationValidity: 0.5,
        policyFlags: 1,
      },
      satisfaction: {
        feedback: 1,
        turnFeedback: 1,
        conversationFeedback: 0,
        ratings: 1,
        averageRating: 3,
        thumbsUp: 0,
        thumbsDown: 0,
        thumbsUpShare: null,
      },
      latency: { measured: 2, p50Ms: 1000, p95Ms: 1450 },
      usage: {
        inputTokensPerTurn: 100,
        outputTokensPerTurn: 25,
        tokensPerTurn: 125,
        costed: 2,
        costPerTurnUsd: 0.000334,
      },
    },
  ];

  it('gives the hand-computed numbers per prompt version and model, for the tenant only', async () => {
    const comparison = await client.promptVersions(A, PromptVersionsQuery.parse(RANGE));
    expect(comparison).toEqual({
      from: '2025-01-15T00:00:00.000Z',
      to: '2025-01-16T00:00:00.000Z',
      model: null,
      items: expectedA(),
    });
  });

  it('filters by model', async () => {
    const comparison = await client.promptVersions(
      A,
      PromptVersionsQuery.parse({ ...RANGE, model: 'model-b' }),
    );
    expect(comparison.items).toEqual([expectedA()[1]]);
    expect(comparison.model).toBe('model-b');
  });

  it("counts the next day's reply in the next day's range only", async () => {
    const next = await client.promptVersions(
      A,
      PromptVersionsQuery.parse({ from: '2025-01-16', to: '2025-01-17' }),
    );
    expect(
      next.items.map((i) => [i.promptVersion, i.model, i.replies, i.satisfaction.conversationFeedback]),
    ).toEqual([['v2', 'model-b', 1, 1]]);
  });

  it('keeps tenants apart, and adds them up when no tenant is given (the command)', async () => {
    expect(
      (await client.promptVersions('tenant-without-data', PromptVersionsQuery.parse(RANGE))).items,
    ).toEqual([]);
    const b = await client.promptVersions(B, PromptVersionsQuery.parse(RANGE));
    expect(b.items).toHaveLength(1);
    expect(b.items[0]).toMatchObject({
      promptVersion: 'v1',
      model: 'model-a',
      replies: 1,
      satisfaction: { feedback: 2, ratings: 2, averageRating: 1, thumbsDown: 2 },
      latency: { p50Ms: 9000 },
    });
    const all = await new PromptVersionsReader(new UnitOfWork(db.dataSource)).compare(
      undefined,
      PromptVersionsQuery.parse(RANGE),
    );
    expect(all.items.find((i) => i.promptVersion === 'v1' && i.model === 'model-a')).toMatchObject({
      replies: 4,
      satisfaction: { feedback: 7, turnFeedback: 4, conversationFeedback: 3 },
    });
  });

  it('gives one row per tenant across tenants (admin route), with a tenant column in the table', async () => {
    const response = await fetch(
      `${await app.getUrl()}/internal/v1/analytics/prompt-versions?from=2025-01-15&to=2025-01-16&byTenant=true`,
    );
    expect(response.status).toBe(200);
    const comparison = PromptVersionComparison.parse(await response.json());
    expect(comparison.items.map((i) => [i.tenantId, i.promptVersion, i.model, i.replies])).toEqual([
      [A, 'v1', 'model-a', 3],
      [A, 'v1', 'model-b', 1],
      [A, 'v2', 'model-a', 2],
      [B, 'v1', 'model-a', 1],
    ]);
    expect(comparison.items.slice(0, 3)).toEqual(expectedA().map((row) => ({ tenantId: A, ...row })));
    expect(comparison.items[3].satisfaction).toMatchObject({
      feedback: 2,
      turnFeedback: 1,
      conversationFeedback: 1,
    });
    const table = formatPromptVersionTable(comparison).split('\n');
    expect(table[1]).toMatch(/^tenant {7}prompt version {2}model /);
    expect(table[6]).toMatch(/^tenant-pv-b {2}v1 {14}model-a /);
    const added = await client.promptVersionsAllTenants(
      PromptVersionsAllTenantsQuery.parse({ from: '2025-01-15', to: '2025-01-16' }),
    );
    expect(added.items.map((i) => [i.tenantId, i.promptVersion, i.model, i.replies])).toEqual([
      [undefined, 'v1', 'model-a', 4],
      [undefined, 'v1', 'model-b', 1],
      [undefined, 'v2', 'model-a', 2],
    ]);
    const bad = await fetch(`${await app.getUrl()}/internal/v1/analytics/prompt-versions?byTenant=maybe`);
    expect(bad.status).toBe(400);
  });

  it('stores conversation feedback once, and the trace id of a turn', async () => {
    const stored: { id: string; thumbs: string; rating: number | null }[] = await db.dataSource.query(
      `SELECT "id", "thumbs", "rating" FROM "${PERSISTENCE_SCHEMA}"."conversation_feedback"
       WHERE "tenant_id" = $1 AND "conversation_id" = $2`,
      [A, c2.conversationId],
    );
    expect(stored).toEqual([{ id: repeatedConversationFeedback, thumbs: 'down', rating: null }]);
    const turns: { sequence: number; trace_id: string | null }[] = await db.dataSource.query(
      `SELECT "sequence", "trace_id" FROM "${PERSISTENCE_SCHEMA}"."turns"
       WHERE "conversation_id" = $1 ORDER BY "sequence"`,
      [c1.conversationId],
    );
    expect(turns).toEqual([
      { sequence: 1, trace_id: TRACE },
      { sequence: 3, trace_id: null },
    ]);
  });

  it('answers 400 naming the parameter', async () => {
    const bad = async (query: Record<string, string>): Promise<string | undefined> => {
      const url = `${await app.getUrl()}/internal/v1/tenants/${A}/analytics/prompt-versions?${new URLSearchParams(query).toString()}`;
      const response = await fetch(url);
      expect(response.status).toBe(400);
      return ((await response.json()) as { detail?: string }).detail;
    };
    expect(await bad({ from: 'yesterday' })).toMatch(/^from: /);
    expect(await bad({ from: '2025-02-01', to: '2025-01-01' })).toMatch(/^from: must be before/);
    expect(await bad({ model: '' })).toMatch(/^model: /);
    expect(await bad({ promptVersion: 'v1' })).toMatch(/promptVersion/);
  });

  it("prints the command's table with the same numbers", async () => {
    const table = formatPromptVersionTable(await client.promptVersions(A, PromptVersionsQuery.parse(RANGE)));
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(6); // title, header, rule, three rows
    const cells = (line: string) => line.trim().split(/\s{2,}/);
    expect(cells(lines[3])).toEqual([
      'v1',
      'model-a',
      '3',
      '0.750',
      '50.0%',
      '0.750',
      '2',
      '5',
      '3.67',
      '50.0%',
      '2000 ms',
      '3800 ms',
      '240.0',
      '$0.001500',
    ]);
    expect(cells(lines[4])).toEqual([
      'v1',
      'model-b',
      '1',
      '1.000',
      '100.0%',
      '1.000',
      '0',
      '1',
      '-',
      '0.0%',
      '3000 ms',
      '3000 ms',
      '60.0',
      '$0.000500',
    ]);
    expect(cells(lines[5])).toEqual([
      'v2',
      'model-a',
      '2',
      '0.750',
      '100.0%',
      '0.500',
      '1',
      '1',
      '3.00',
      '-',
      '1000 ms',
      '1450 ms',
      '125.0',
      '$0.000334',
    ]);
  });
});
