import type { INestApplication } from '@nestjs/common';
import { ConversationFeedbackSubmitted, newId } from '@lib/contracts';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import {
  ConversationEventsController,
  ConversationRecordClient,
  ConversationTenantMismatchError,
  ConversationView,
  PERSISTENCE_SCHEMA,
  PERSISTENCE_DATABASE,
} from './index';
import { at, ConversationScript, envelope } from './testing/fixtures';
import { startTestApp } from './testing/test-app';

describe('conversation record (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let app: INestApplication;
  let url: string;
  let handlers: ConversationEventsController;
  let client: ConversationRecordClient;

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    ({ app, url } = await startTestApp(db.uow));
    handlers = app.get(ConversationEventsController);
    client = new ConversationRecordClient(url);
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  /** Handlers run inside a unit of work, as under the transport's inbox. */
  const handle = (call: (h: ConversationEventsController) => Promise<void>): Promise<void> =>
    db.uow.run(() => call(handlers));

  const count = async (table: string, conversationId: string): Promise<number> => {
    const rows: { n: number }[] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM "${PERSISTENCE_SCHEMA}"."${table}" WHERE conversation_id = $1`,
      [conversationId],
    );
    return rows[0].n;
  };

  const conversationRow = async (id: string): Promise<Record<string, unknown>> => {
    const rows: Record<string, unknown>[] = await db.dataSource.query(
      `SELECT * FROM "${PERSISTENCE_SCHEMA}"."conversations" WHERE id = $1`,
      [id],
    );
    return rows[0];
  };

  describe('each event is stored', () => {
    const s = new ConversationScript('tenant-store');

    beforeAll(async () => {
      await handle((h) => h.onConversationStarted(s.started()));
      await handle((h) => h.onTurnReceived(s.turn(1)));
      await handle((h) => h.onToolRequested(s.toolRequested(1)));
      await handle((h) => h.onToolCompleted(s.toolCompleted(1)));
      await handle((h) => h.onToolRequested(s.toolRequested(1, 'kb.search', at(1, 3))));
      await handle((h) => h.onToolFailed(s.toolFailed(1, 'kb.search', at(1, 4))));
      await handle((h) => h.onAnalysisCompleted(s.analysis(1, 'proposal')));
      await handle((h) => h.onReplyGenerated(s.reply(1)));
      await handle((h) => h.onEvaluationCompleted(s.evaluation(1, 0.8125)));
      await handle((h) => h.onFeedbackSubmitted(s.feedback(1)));
      await handle((h) => h.onAlertRaised(s.alert(1)));
      await handle((h) => h.onTurnReceived(s.turn(2)));
      await handle((h) => h.onTurnFailed(s.turnFailed(2)));
    });

    it('stores the conversation with its settings, stage, turn count and last activity', async () => {
      expect(await conversationRow(s.conversationId)).toMatchObject({
        tenant_id: 'tenant-store',
        status: 'active',
        mode: 'assist',
        prospect: { name: 'Dana Scott', company: 'Acme' },
        rep_id: 'rep-7',
        title: 'Acme renewal',
        stage: 'proposal',
        turn_count: 2,
        started_at: new Date(at(0)),
        updated_at: new Date(at(2, 5)),
      });
    });

    it('stores one row per fact in every table', async () => {
      for (const table of ['analyses', 'replies', 'evaluations', 'feedback', 'alerts', 'turn_failures']) {
        expect([table, await count(table, s.conversationId)]).toEqual([table, 1]);
      }
      expect(await count('turns', s.conversationId)).toBe(2);
      expect(await count('tool_calls', s.conversationId)).toBe(2);
    });

    it('serves the nested record in order through the read API', async () => {
      const view = await client.getConversation('tenant-store', s.conversationId);
      expect(view).toBeDefined();
      expect(ConversationView.parse(view)).toEqual(view);
      const [first, second] = view!.turns;
      expect(view!.turns.map((t) => t.sequence)).toEqual([1, 2]);
      expect(first).toMatchObject({
        id: s.turnId(1),
        role: 'prospect',
        text: 'turn number 1',
        analysis: { stage: 'proposal', sentiment: { label: 'neutral', score: 0.1 } },
        reply: { id: s.replyId(1), kind: 'suggestion', usage: { inputTokens: 120, outputTokens: 40 } },
        evaluations: [{ replyId: s.replyId(1), scores: { groundedness: 0.8125 } }],
        feedback: [{ thumbs: 'up', rating: 4, comment: 'useful' }],
      });
      expect(first.toolCalls).toEqual([
        expect.objectContaining({
          tool: 'crm.lookup',
          status: 'completed',
          result: { accounts: [{ id: 'acc-1', name: 'Acme' }] },
        }),
        expect.objectContaining({
          tool: 'kb.search',
          status: 'failed',
          error: expect.objectContaining({ code: 'timeout' }),
        }),
      ]);
      expect(first.failure).toBeUndefined();
      expect(second).toMatchObject({ sequence: 2, failure: { code: 'model_unavailable' }, toolCalls: [] });
      expect(second.reply).toBeUndefined();
      expect(view!.alerts).toEqual([
        expect.objectContaining({ kind: 'ungrounded_reply', turnId: s.turnId(1) }),
      ]);
    });

    it('serves the feedback on the whole conversation, stored once per feedback id', async () => {
      const feedbackId = newId();
      const submitted = envelope(
        ConversationFeedbackSubmitted,
        {
          feedbackId,
          conversationId: s.conversationId,
          thumbs: 'down',
          rating: 2,
          comment: 'Too pushy',
          submittedAt: at(60),
        },
        'tenant-store',
      );
      await handle((h) => h.onConversationFeedbackSubmitted(submitted));
      await handle((h) => h.onConversationFeedbackSubmitted({ ...submitted, id: newId() }));
      const view = await client.getConversation('tenant-store', s.conversationId);
      expect(view?.feedback).toEqual([
        { id: feedbackId, thumbs: 'down', rating: 2, comment: 'Too pushy', submittedAt: at(60) },
      ]);
      // Feedback on one reply stays under its turn.
      expect(view?.turns[0].feedback).toHaveLength(1);
    });

    it('answers 404 to another tenant, and 400 to an invalid id', async () => {
      await expect(client.getConversation('tenant-other', s.conversationId)).resolves.toBeUndefined();
      const res = await fetch(`${url}/internal/v1/tenants/tenant-store/conversations/not-a-uuid`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ detail: expect.stringContaining('conversationId') });
    });
  });

  describe('reply usage and latency', () => {
    it('stores cache tokens, cost and model calls apart and serves them in the view', async () => {
      const s = new ConversationScript('tenant-usage');
      await handle((h) => h.onTurnReceived(s.turn(1)));
      await handle((h) =>
        h.onReplyGenerated(
          s.reply(1, undefined, {
            cacheReadTokens: 3072,
            cacheWriteTokens: 512,
            costUsd: 0.0123456,
            modelCalls: 3,
          }),
        ),
      );

      const rows: Record<string, unknown>[] = await db.dataSource.query(
        `SELECT cache_read_tokens, cache_write_tokens, cost_usd, model_calls, latency_ms
         FROM "${PERSISTENCE_SCHEMA}"."replies" WHERE conversation_id = $1`,
        [s.conversationId],
      );
      // numeric(12,6): the cost is kept to the micro-dollar (node-postgres returns numeric as text).
      expect(rows).toEqual([
        {
          cache_read_tokens: 3072,
          cache_write_tokens: 512,
          cost_usd: '0.012346',
          model_calls: 3,
          latency_ms: 4000,
        },
      ]);

      const view = await client.getConversation('tenant-usage', s.conversationId);
      expect(ConversationView.parse(view)).toEqual(view);
      expect(view?.turns[0].reply).toMatchObject({
        usage: {
          inputTokens: 120,
          outputTokens: 40,
          cacheReadTokens: 3072,
          cacheWriteTokens: 512,
          costUsd: 0.012346,
          modelCalls: 3,
        },
        latencyMs: 4000,
      });
    });

    it('leaves the figures a producer did not report out of the view', async () => {
      const s = new ConversationScript('tenant-usage');
      await handle((h) => h.onTurnReceived(s.turn(1)));
      await handle((h) => h.onReplyGenerated(s.reply(1, undefined, { cacheReadTokens: 0 })));
      const view = await client.getConversation('tenant-usage', s.conversationId);
      expect(view?.turns[0].reply?.usage).toEqual({ inputTokens: 120, outputTokens: 40, cacheReadTokens: 0 });
      expect(view?.turns[0].reply?.latencyMs).toBe(4000);
    });
  });

  describe('idempotency', () => {
    const s = new ConversationScript('tenant-idem');

    it('stores the same event delivered twice once', async () => {
      const turn = s.turn(1);
      const feedback = s.feedback(1);
      const alert = s.alert(1);
      for (let i = 0; i < 2; i += 1) {
        await handle((h) => h.onConversationStarted(s.started()));
        await handle((h) => h.onTurnReceived(turn));
        await handle((h) => h.onToolRequested(s.toolRequested(1)));
        await handle((h) => h.onToolCompleted(s.toolCompleted(1)));
        await handle((h) => h.onAnalysisCompleted(s.analysis(1)));
        await handle((h) => h.onEvaluationCompleted(s.evaluation(1)));
        await handle((h) => h.onFeedbackSubmitted(feedback));
        await handle((h) => h.onAlertRaised(alert));
        await handle((h) => h.onTurnFailed(s.turnFailed(1)));
      }
      for (const table of [
        'turns',
        'tool_calls',
        'analyses',
        'evaluations',
        'feedback',
        'alerts',
        'turn_failures',
      ]) {
        expect([table, await count(table, s.conversationId)]).toEqual([table, 1]);
      }
      expect(await conversationRow(s.conversationId)).toMatchObject({ turn_count: 1 });
    });

    it('stores the same reply under a different event id once, and keeps the first reply of a turn', async () => {
      await handle((h) => h.onReplyGenerated(s.reply(1, newId())));
      await handle((h) => h.onReplyGenerated(s.reply(1, newId())));
      const other = s.reply(1);
      await handle((h) =>
        h.onReplyGenerated({ ...other, data: { ...other.data, replyId: newId(), text: 'a second reply' } }),
      );
      expect(await count('replies', s.conversationId)).toBe(1);
      const view = await client.getConversation('tenant-idem', s.conversationId);
      expect(view?.turns[0].reply).toMatchObject({ id: s.replyId(1), text: 'reply to turn 1' });
    });

    it('does not count a second turn at the same position', async () => {
      const dup = s.turn(1);
      await handle((h) => h.onTurnReceived({ ...dup, data: { ...dup.data, turnId: newId() } }));
      expect(await count('turns', s.conversationId)).toBe(1);
      expect(await conversationRow(s.conversationId)).toMatchObject({ turn_count: 1 });
    });
  });

  describe('late and out-of-order events', () => {
    it('builds the same record when the reply, analysis and turn arrive before conversation.started', async () => {
      const s = new ConversationScript('tenant-late');
      await handle((h) => h.onReplyGenerated(s.reply(1)));
      expect(await conversationRow(s.conversationId)).toMatchObject({
        tenant_id: 'tenant-late',
        status: 'pending',
        mode: null,
        turn_count: 0,
      });
      // Stub conversations are readable: the record exists, with no turn yet.
      const stub = await client.getConversation('tenant-late', s.conversationId);
      expect(stub).toMatchObject({ conversation: { status: 'pending' }, turns: [] });

      await handle((h) => h.onAnalysisCompleted(s.analysis(1, 'negotiation')));
      await handle((h) => h.onTurnReceived(s.turn(1)));
      await handle((h) => h.onConversationStarted(s.started()));

      expect(await conversationRow(s.conversationId)).toMatchObject({
        status: 'active',
        mode: 'assist',
        rep_id: 'rep-7',
        title: 'Acme renewal',
        stage: 'negotiation',
        turn_count: 1,
        started_at: new Date(at(0)),
        updated_at: new Date(at(1, 4)),
      });
      const view = await client.getConversation('tenant-late', s.conversationId);
      expect(view?.turns).toEqual([
        expect.objectContaining({
          id: s.turnId(1),
          analysis: expect.objectContaining({ stage: 'negotiation' }),
          reply: expect.objectContaining({ id: s.replyId(1) }),
        }),
      ]);
    });

    it('records a tool call completed before it was requested as completed, with its arguments', async () => {
      const s = new ConversationScript('tenant-late');
      await handle((h) => h.onToolCompleted(s.toolCompleted(1)));
      await handle((h) => h.onToolRequested(s.toolRequested(1)));
      await handle((h) => h.onTurnReceived(s.turn(1)));
      await handle((h) => h.onConversationStarted(s.started()));
      const view = await client.getConversation('tenant-late', s.conversationId);
      expect(view?.turns[0].toolCalls).toEqual([
        {
          id: s.toolCallId(1, 'crm.lookup'),
          tool: 'crm.lookup',
          status: 'completed',
          arguments: { query: 'Acme' },
          result: { accounts: [{ id: 'acc-1', name: 'Acme' }] },
          error: null,
          durationMs: 12.5,
          requestedAt: at(1, 1),
          finishedAt: at(1, 2),
        },
      ]);
    });

    it("keeps the stage of the latest turn when an older turn's analysis arrives last", async () => {
      const s = new ConversationScript('tenant-late');
      await handle((h) => h.onConversationStarted(s.started()));
      await handle((h) => h.onTurnReceived(s.turn(1)));
      await handle((h) => h.onTurnReceived(s.turn(2)));
      await handle((h) => h.onAnalysisCompleted(s.analysis(2, 'proposal')));
      await handle((h) => h.onAnalysisCompleted(s.analysis(1, 'discovery')));
      expect(await conversationRow(s.conversationId)).toMatchObject({ stage: 'proposal' });
    });

    it("ranks an analysis by its turn's sequence once the turn arrives", async () => {
      const s = new ConversationScript('tenant-late');
      await handle((h) => h.onConversationStarted(s.started()));
      await handle((h) => h.onTurnReceived(s.turn(2)));
      await handle((h) => h.onAnalysisCompleted(s.analysis(2, 'proposal')));
      // The analysis of turn 1 arrives before turn 1 itself: provisionally ranked as the newest...
      await handle((h) => h.onAnalysisCompleted(s.analysis(1, 'discovery')));
      expect(await conversationRow(s.conversationId)).toMatchObject({ stage: 'discovery' });
      // ...and put back in its place when turn 1 is stored.
      await handle((h) => h.onTurnReceived(s.turn(1)));
      expect(await conversationRow(s.conversationId)).toMatchObject({ stage: 'proposal', turn_count: 2 });
    });
  });

  describe('concurrent delivery across topics', () => {
    it('converges to the complete record when every event of a conversation is handled at once', async () => {
      const s = new ConversationScript('tenant-race');
      const calls: ((h: ConversationEventsController) => Promise<void>)[] = [
        (h) => h.onConversationStarted(s.started()),
        (h) => h.onTurnReceived(s.turn(1)),
        (h) => h.onTurnReceived(s.turn(2)),
        (h) => h.onToolRequested(s.toolRequested(2)),
        (h) => h.onToolCompleted(s.toolCompleted(2)),
        (h) => h.onAnalysisCompleted(s.analysis(1, 'discovery')),
        (h) => h.onAnalysisCompleted(s.analysis(2, 'negotiation')),
        (h) => h.onReplyGenerated(s.reply(2)),
        (h) => h.onReplyGenerated(s.reply(2, newId())),
        (h) => h.onEvaluationCompleted(s.evaluation(2)),
        (h) => h.onFeedbackSubmitted(s.feedback(2)),
      ];
      // Several units of work in flight together, each on its own connection, like consumers of
      // different topics (the test pool has 4 connections).
      await Promise.all([...calls].reverse().map((call) => handle(call)));

      expect(await conversationRow(s.conversationId)).toMatchObject({
        status: 'active',
        stage: 'negotiation',
        turn_count: 2,
        started_at: new Date(at(0)),
        updated_at: new Date(at(2, 7)),
      });
      const view = await client.getConversation('tenant-race', s.conversationId);
      expect(view?.turns.map((t) => t.sequence)).toEqual([1, 2]);
      expect(view?.turns[1]).toMatchObject({
        analysis: { stage: 'negotiation' },
        reply: { id: s.replyId(2) },
        toolCalls: [{ status: 'completed', arguments: { query: 'Acme' } }],
        evaluations: [{ replyId: s.replyId(2) }],
        feedback: [{ thumbs: 'up' }],
      });
      expect(await count('replies', s.conversationId)).toBe(1);
    });
  });

  describe('tenants', () => {
    it("refuses an event that names another tenant's conversation, changing nothing", async () => {
      const s = new ConversationScript('tenant-owner');
      await handle((h) => h.onConversationStarted(s.started()));
      const intruder = new ConversationScript('tenant-intruder');
      const turn = s.turn(1);
      await expect(
        handle((h) => h.onTurnReceived({ ...turn, tenantid: intruder.tenantId })),
      ).rejects.toBeInstanceOf(ConversationTenantMismatchError);
      expect(await count('turns', s.conversationId)).toBe(0);
      await expect(client.getConversation('tenant-intruder', s.conversationId)).resolves.toBeUndefined();
    });
  });

  describe('listing', () => {
    const tenant = 'tenant-list';
    const scripts = [0, 1, 2, 3, 4].map(() => new ConversationScript(tenant));

    beforeAll(async () => {
      for (const [i, s] of scripts.entries()) await handle((h) => h.onConversationStarted(s.started(at(i))));
      await handle((h) =>
        h.onConversationStarted(new ConversationScript('tenant-list-other').started(at(9))),
      );
    });

    it("pages through the tenant's conversations newest first", async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.listConversations(tenant, { limit: 2, cursor });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...scripts].reverse().map((s) => s.conversationId));
    });

    it('answers 400 to an invalid limit or an unknown cursor', async () => {
      const base = `${url}/internal/v1/tenants/${tenant}/conversations`;
      expect((await fetch(`${base}?limit=0`)).status).toBe(400);
      expect((await fetch(`${base}?limit=abc`)).status).toBe(400);
      expect((await fetch(`${base}?cursor=${newId()}`)).status).toBe(400);
      expect((await fetch(`${base}?limit=100`)).status).toBe(200);
    });
  });
});
