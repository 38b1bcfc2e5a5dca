import type { INestApplication } from '@nestjs/common';
import { newId } from '@lib/contracts';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { ConversationEventsController, ConversationRecordClient, ConversationView } from '../index';
import { estimateTokens, wordCount } from '../model/turn-text';
import { PERSISTENCE_DATABASE } from '../persistence-database';
import { PERSISTENCE_SCHEMA } from '../schema';
import { at, ConversationScript } from '../testing/fixtures';
import { startTestApp } from '../testing/test-app';

/**
 * The analytics facts of the record (issue 5) on the real PostgreSQL: what each event fills, idempotency
 * (redelivery, duplicates under another event id) and convergence (late, out-of-order and concurrent events
 * all end in the same rows).
 */
type Call = (h: ConversationEventsController) => Promise<void>;

const ids = { account: newId(), dealA: newId(), dealB: newId(), dealC: newId() };

/** A `crm_lookup_prospect` result, as the tool-runner returns it. */
const lookupResult = {
  found: true,
  contact: { id: 'contact-1', name: 'Dana Scott', email: 'dana@acme.com', title: null, phone: null },
  account: {
    id: ids.account,
    name: 'Acme',
    domain: null,
    industry: null,
    employeeCount: null,
    country: null,
  },
  openDeals: [
    {
      id: ids.dealA,
      name: 'Acme renewal',
      stage: 'discovery',
      amount: 50000,
      currency: 'USD',
      closeDate: null,
    },
    {
      id: ids.dealB,
      name: 'Acme upsell',
      stage: 'prospecting',
      amount: 9000,
      currency: 'USD',
      closeDate: null,
    },
  ],
  recentActivities: [],
};

const qualification = (budget: string | null) => {
  const empty = { value: null, evidence: [], confidence: 0 };
  return {
    bant: {
      budget: { value: budget, evidence: budget ? ['our budget is $50k'] : [], confidence: budget ? 0.8 : 0 },
      authority: empty,
      need: empty,
      timeline: empty,
    },
    meddic: {
      metrics: empty,
      economicBuyer: { value: 'Jordan Lee', evidence: ['Jordan Lee from finance'], confidence: 0.6 },
      decisionCriteria: empty,
      decisionProcess: empty,
      identifyPain: empty,
      champion: empty,
    },
  };
};

const TEXT = {
  1: "Hi, this is Dana Scott (dana@acme.com). Our budget is $50k, but honestly it's too expensive.",
  2: 'let me show you  our pricing OPTIONS.',
  3: 'Jordan Lee from finance will join. Send the proposal.',
  4: 'Sending the proposal right away.',
  5: 'Still too expensive for us, call me at +1 415 555 0100.',
} as const;

/** Every event of one conversation, in the order they happen. */
function story(s: ConversationScript): Call[] {
  return [
    (h) => h.onConversationStarted(s.started()),
    (h) => h.onTurnReceived(s.turn(1, at(1), { text: TEXT[1] })),
    (h) => h.onToolRequested(s.toolRequested(1, 'crm_lookup_prospect')),
    (h) => h.onToolCompleted(s.toolCompleted(1, 'crm_lookup_prospect', at(1, 2), lookupResult)),
    (h) =>
      h.onAnalysisCompleted(
        s.analysis(1, 'discovery', {
          analysis: {
            intents: [
              { name: 'pricing_question', confidence: 0.9 },
              { name: 'shared_budget', confidence: 0.7 },
            ],
            sentiment: { label: 'negative', score: -0.4 },
            entities: [
              { type: 'person', text: 'Jordan Lee' },
              { type: 'budget', text: '$50k', value: '50000 USD' },
              { type: 'company', text: 'Acme' },
              { type: 'budget', text: 'a bit', value: 'a bit' },
            ],
            objections: [{ type: 'price', evidence: "it's too expensive" }],
            qualification: qualification('50000 USD'),
          },
          nextBestActions: [{ action: 'Share the pricing options', reason: 'price objection' }],
        }),
      ),
    (h) =>
      h.onReplyGenerated(
        s.reply(
          1,
          undefined,
          {},
          { text: 'Let me show you our pricing options.', promptVersion: 'sales-v7' },
        ),
      ),
    (h) => h.onTurnReceived(s.turn(2, at(2), { text: TEXT[2], suggestion: { replyId: s.replyId(1) } })),
    (h) => h.onAnalysisCompleted(s.analysis(2, 'discovery', { analysis: { objections: [] } })),
    (h) => h.onTurnReceived(s.turn(3, at(3), { text: TEXT[3] })),
    (h) =>
      h.onAnalysisCompleted(
        s.analysis(3, 'proposal', { analysis: { objections: [], entities: [], intents: [] } }),
      ),
    (h) => h.onReplyGenerated(s.reply(3, undefined, {}, { text: 'Sure, sending it now.' })),
    (h) => h.onTurnReceived(s.turn(4, at(4), { text: TEXT[4], suggestion: { replyId: s.replyId(3) } })),
    (h) => h.onCrmChangeProposed(s.dealChangeProposed(3, ids.dealB)),
    (h) => h.onCrmChangeApplied(s.dealChangeApplied(3, ids.dealB)),
    (h) => h.onTurnReceived(s.turn(5, at(5), { text: TEXT[5] })),
    (h) =>
      h.onAnalysisCompleted(
        s.analysis(5, 'negotiation', {
          analysis: { sentiment: { label: 'negative', score: -0.6 }, intents: [] },
        }),
      ),
  ];
}

/** The handlers, each given its event under a new event id (a producer's retry, a replay). */
function withNewEventIds(h: ConversationEventsController): ConversationEventsController {
  return new Proxy(h, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (event: { id: string }) =>
        (value as (e: unknown) => Promise<void>).call(target, { ...event, id: newId() });
    },
  });
}

/** Deterministic shuffles (mulberry32), so a failing order can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('record facts for analytics (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let app: INestApplication;
  let handlers: ConversationEventsController;
  let client: ConversationRecordClient;

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    let url: string;
    ({ app, url } = await startTestApp(db.uow));
    handlers = app.get(ConversationEventsController);
    client = new ConversationRecordClient(url);
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const handle = (call: Call): Promise<void> => db.uow.run(() => call(handlers));
  const handleAll = async (calls: readonly Call[]): Promise<void> => {
    for (const call of calls) await handle(call);
  };

  const query = <T>(sql: string, params: unknown[]): Promise<T[]> =>
    db.dataSource.query(sql.replace(/\bpersistence\./g, `"${PERSISTENCE_SCHEMA}".`), params);

  const conversationRow = async (id: string) =>
    (
      await query<Record<string, unknown>>(
        `SELECT "stage", "turn_count", "crm_contact_id", "crm_account_id", "crm_deal_id"
         FROM persistence.conversations WHERE "id" = $1`,
        [id],
      )
    )[0];

  const transitions = (conversationId: string) =>
    query<{ turn_id: string; sequence: number | null; from_stage: string | null; to_stage: string }>(
      `SELECT "turn_id", "sequence", "from_stage", "to_stage" FROM persistence.stage_transitions
       WHERE "conversation_id" = $1 ORDER BY "sequence" NULLS LAST, "occurred_at"`,
      [conversationId],
    );

  const objections = (conversationId: string) =>
    query<{ turn_id: string; ordinal: number; type: string; handled: boolean }>(
      `SELECT "turn_id", "ordinal", "type", "handled" FROM persistence.analysis_objections
       WHERE "conversation_id" = $1 ORDER BY "occurred_at", "ordinal"`,
      [conversationId],
    );

  /** Every row the conversation has in the record, ids replaced by names, sorted: comparable across scripts. */
  async function dump(s: ConversationScript): Promise<Record<string, string[]>> {
    const names = new Map<string, string>([[s.conversationId, 'C']]);
    for (let n = 1; n <= 5; n += 1) {
      names.set(s.turnId(n), `T${n}`);
      names.set(s.replyId(n), `R${n}`);
      names.set(s.proposalId(n), `P${n}`);
      names.set(s.toolCallId(n, 'crm_lookup_prospect'), `L${n}`);
    }
    const tables = [
      'conversations',
      'turns',
      'analyses',
      'analysis_intents',
      'analysis_entities',
      'analysis_objections',
      'stage_transitions',
      'replies',
      'tool_calls',
      'crm_changes',
    ];
    const out: Record<string, string[]> = {};
    for (const name of tables) {
      const column = name === 'conversations' ? 'id' : 'conversation_id';
      const rows = await query<Record<string, unknown>>(
        `SELECT * FROM persistence.${name} WHERE "${column}" = $1`,
        [s.conversationId],
      );
      out[name] = rows
        .map((row) => {
          let text = JSON.stringify(row);
          for (const [id, symbol] of names) text = text.split(id).join(symbol);
          return text;
        })
        .sort();
    }
    return out;
  }

  describe('a conversation told in order', () => {
    const s = new ConversationScript('tenant-facts');

    beforeAll(async () => {
      await handleAll(story(s));
    });

    it('fills word and token counts and the redacted text of every turn', async () => {
      const rows = await query<Record<string, unknown>>(
        `SELECT "sequence", "redacted_text", "word_count", "token_count" FROM persistence.turns
         WHERE "conversation_id" = $1 ORDER BY "sequence"`,
        [s.conversationId],
      );
      expect(rows).toEqual(
        ([1, 2, 3, 4, 5] as const).map((n) => ({
          sequence: n,
          redacted_text: expect.any(String) as unknown,
          word_count: wordCount(TEXT[n]),
          token_count: estimateTokens(TEXT[n]),
        })),
      );
      const redacted = rows.map((r) => r.redacted_text);
      // The prospect's name, e-mail address and phone number, and a person the analysis of turn 1 found.
      expect(redacted[0]).toBe(
        "Hi, this is [NAME] ([EMAIL]). Our budget is $50k, but honestly it's too expensive.",
      );
      expect(redacted[2]).toBe('[NAME] from finance will join. Send the proposal.');
      expect(redacted[4]).toBe('Still too expensive for us, call me at [PHONE].');
      expect(redacted[1]).toBe(TEXT[2]);
    });

    it("records the suggestion a rep's turn sent: accepted as suggested, or edited", async () => {
      const rows = await query<Record<string, unknown>>(
        `SELECT "sequence", "suggestion_reply_id", "suggestion_disposition" FROM persistence.turns
         WHERE "conversation_id" = $1 AND "role" = 'rep' ORDER BY "sequence"`,
        [s.conversationId],
      );
      expect(rows).toEqual([
        { sequence: 2, suggestion_reply_id: s.replyId(1), suggestion_disposition: 'accepted' },
        { sequence: 4, suggestion_reply_id: s.replyId(3), suggestion_disposition: 'edited' },
      ]);
    });

    it("stores an analysis' qualification and next best actions, and its intents, entities and objections as rows", async () => {
      const [analysis] = await query<Record<string, unknown>>(
        `SELECT "qualification", "next_best_actions" FROM persistence.analyses WHERE "turn_id" = $1`,
        [s.turnId(1)],
      );
      expect(analysis).toEqual({
        qualification: qualification('50000 USD'),
        next_best_actions: [{ action: 'Share the pricing options', reason: 'price objection' }],
      });
      const [later] = await query<Record<string, unknown>>(
        `SELECT "qualification", "next_best_actions" FROM persistence.analyses WHERE "turn_id" = $1`,
        [s.turnId(3)],
      );
      expect(later).toEqual({ qualification: null, next_best_actions: null });

      expect(
        await query(
          `SELECT "intent", "confidence", "occurred_at" FROM persistence.analysis_intents
           WHERE "turn_id" = $1 ORDER BY "intent"`,
          [s.turnId(1)],
        ),
      ).toEqual([
        { intent: 'pricing_question', confidence: 0.9, occurred_at: new Date(at(1, 3)) },
        { intent: 'shared_budget', confidence: 0.7, occurred_at: new Date(at(1, 3)) },
      ]);
      expect(
        await query(
          `SELECT "ordinal", "type", "text", "value", "amount"::float AS "amount", "currency"
           FROM persistence.analysis_entities WHERE "turn_id" = $1 ORDER BY "ordinal"`,
          [s.turnId(1)],
        ),
      ).toEqual([
        { ordinal: 0, type: 'person', text: 'Jordan Lee', value: null, amount: null, currency: null },
        { ordinal: 1, type: 'budget', text: '$50k', value: '50000 USD', amount: 50000, currency: 'USD' },
        { ordinal: 2, type: 'company', text: 'Acme', value: null, amount: null, currency: null },
        { ordinal: 3, type: 'budget', text: 'a bit', value: 'a bit', amount: null, currency: null },
      ]);
      expect(
        await query(
          `SELECT "turn_id", "ordinal", "type", "evidence" FROM persistence.analysis_objections
           WHERE "conversation_id" = $1 ORDER BY "occurred_at"`,
          [s.conversationId],
        ),
      ).toEqual([
        { turn_id: s.turnId(1), ordinal: 0, type: 'price', evidence: "it's too expensive" },
        { turn_id: s.turnId(5), ordinal: 0, type: 'price', evidence: 'too expensive' },
      ]);
    });

    it('marks an objection handled once a later prospect turn moves on; the latest one stays open', async () => {
      expect((await objections(s.conversationId)).map((o) => [o.turn_id, o.handled])).toEqual([
        [s.turnId(1), true],
        [s.turnId(5), false],
      ]);
    });

    it('records the stage transitions with the turn that caused each', async () => {
      const rows = await query(
        `SELECT "turn_id", "sequence", "from_stage", "to_stage", "occurred_at" FROM persistence.stage_transitions
         WHERE "conversation_id" = $1 ORDER BY "sequence"`,
        [s.conversationId],
      );
      expect(rows).toEqual([
        {
          turn_id: s.turnId(1),
          sequence: 1,
          from_stage: null,
          to_stage: 'discovery',
          occurred_at: new Date(at(1, 3)),
        },
        {
          turn_id: s.turnId(3),
          sequence: 3,
          from_stage: 'discovery',
          to_stage: 'proposal',
          occurred_at: new Date(at(3, 3)),
        },
        {
          turn_id: s.turnId(5),
          sequence: 5,
          from_stage: 'proposal',
          to_stage: 'negotiation',
          occurred_at: new Date(at(5, 3)),
        },
      ]);
      expect(await conversationRow(s.conversationId)).toMatchObject({ stage: 'negotiation' });
    });

    it("takes the conversation's CRM records from the first CRM lookup (a later deal change does not win)", async () => {
      expect(await conversationRow(s.conversationId)).toMatchObject({
        crm_contact_id: 'contact-1',
        crm_account_id: ids.account,
        crm_deal_id: ids.dealA,
      });
    });

    it("stores the reply's prompt version as a column", async () => {
      expect(
        await query(
          `SELECT "prompt_version" FROM persistence.replies WHERE "conversation_id" = $1 ORDER BY "generated_at"`,
          [s.conversationId],
        ),
      ).toEqual([{ prompt_version: 'sales-v7' }, { prompt_version: 'v1' }]);
    });

    it('serves the new facts in the read model, within its published schema', async () => {
      const view = await client.getConversation('tenant-facts', s.conversationId);
      expect(view).toBeDefined();
      expect(ConversationView.parse(view)).toEqual(view);
      expect(view!.conversation.crm).toEqual({
        contactId: 'contact-1',
        accountId: ids.account,
        dealId: ids.dealA,
      });
      expect(view!.turns[0]).toMatchObject({
        redactedText: "Hi, this is [NAME] ([EMAIL]). Our budget is $50k, but honestly it's too expensive.",
        wordCount: wordCount(TEXT[1]),
        tokenCount: estimateTokens(TEXT[1]),
        analysis: {
          qualification: qualification('50000 USD'),
          nextBestActions: [{ action: 'Share the pricing options', reason: 'price objection' }],
        },
      });
      expect(view!.turns[0]).not.toHaveProperty('suggestion');
      expect(view!.turns[1].suggestion).toEqual({ replyId: s.replyId(1), disposition: 'accepted' });
      expect(view!.turns[3].suggestion).toEqual({ replyId: s.replyId(3), disposition: 'edited' });
      expect(view!.stageTransitions).toEqual([
        { turnId: s.turnId(1), sequence: 1, from: null, to: 'discovery', at: at(1, 3) },
        { turnId: s.turnId(3), sequence: 3, from: 'discovery', to: 'proposal', at: at(3, 3) },
        { turnId: s.turnId(5), sequence: 5, from: 'proposal', to: 'negotiation', at: at(5, 3) },
      ]);
    });

    it('changes nothing when every event is delivered again, also under new event ids', async () => {
      const before = await dump(s);
      await handleAll(story(s));
      // The same facts under new event ids (a producer retry).
      await handleAll(
        story(s).map(
          (call): Call =>
            (h) =>
              call(withNewEventIds(h)),
        ),
      );
      // Another analysis of turn 1 (a re-analysis): the first one stored wins, with its rows.
      await handle((h) =>
        h.onAnalysisCompleted(
          s.analysis(1, 'closed_lost', {
            analysis: {
              intents: [{ name: 'churn_risk', confidence: 1 }],
              entities: [{ type: 'budget', text: '€9', value: '9 EUR' }],
              objections: [{ type: 'trust', evidence: 'no' }],
            },
          }),
        ),
      );
      expect(await dump(s)).toEqual(before);
    });
  });

  describe('late and out-of-order events', () => {
    it('places an analysis that arrives before its turn last, then at its turn once the turn arrives', async () => {
      const s = new ConversationScript('tenant-facts-late');
      await handle((h) => h.onConversationStarted(s.started()));
      await handle((h) => h.onTurnReceived(s.turn(3)));
      await handle((h) => h.onAnalysisCompleted(s.analysis(3, 'proposal', { analysis: { objections: [] } })));
      await handle((h) => h.onAnalysisCompleted(s.analysis(1, 'discovery')));
      expect(await transitions(s.conversationId)).toEqual([
        { turn_id: s.turnId(3), sequence: 3, from_stage: null, to_stage: 'proposal' },
        { turn_id: s.turnId(1), sequence: null, from_stage: 'proposal', to_stage: 'discovery' },
      ]);
      // Turn 1's position is unknown: its objection is not judged yet.
      expect((await objections(s.conversationId)).map((o) => o.handled)).toEqual([false]);

      await handle((h) => h.onTurnReceived(s.turn(1)));
      expect(await transitions(s.conversationId)).toEqual([
        { turn_id: s.turnId(1), sequence: 1, from_stage: null, to_stage: 'discovery' },
        { turn_id: s.turnId(3), sequence: 3, from_stage: 'discovery', to_stage: 'proposal' },
      ]);
      expect((await objections(s.conversationId)).map((o) => o.handled)).toEqual([true]);
      expect(await conversationRow(s.conversationId)).toMatchObject({ stage: 'proposal' });
    });

    it("keeps the transitions in turn order when an older turn's analysis arrives last", async () => {
      const s = new ConversationScript('tenant-facts-late');
      await handleAll([
        (h) => h.onTurnReceived(s.turn(1)),
        (h) => h.onTurnReceived(s.turn(2)),
        (h) => h.onTurnReceived(s.turn(3)),
        (h) => h.onAnalysisCompleted(s.analysis(3, 'negotiation', { analysis: { objections: [] } })),
        (h) => h.onAnalysisCompleted(s.analysis(1, 'discovery')),
      ]);
      expect(await transitions(s.conversationId)).toEqual([
        { turn_id: s.turnId(1), sequence: 1, from_stage: null, to_stage: 'discovery' },
        { turn_id: s.turnId(3), sequence: 3, from_stage: 'discovery', to_stage: 'negotiation' },
      ]);
      await handle((h) => h.onAnalysisCompleted(s.analysis(2, 'proposal', { analysis: { objections: [] } })));
      expect(
        (await transitions(s.conversationId)).map((t) => [t.sequence, t.from_stage, t.to_stage]),
      ).toEqual([
        [1, null, 'discovery'],
        [2, 'discovery', 'proposal'],
        [3, 'proposal', 'negotiation'],
      ]);
      expect(await conversationRow(s.conversationId)).toMatchObject({ stage: 'negotiation' });
    });

    it("gives an analysis that arrived before its turn, and its rows, the turn's role once the turn is stored", async () => {
      const s = new ConversationScript('tenant-facts-late');
      const roles = () =>
        query<{ table: string; role: string | null }>(
          `SELECT 'analyses' AS "table", "role" FROM persistence.analyses WHERE "turn_id" = $1
           UNION ALL SELECT 'analysis_entities', "role" FROM persistence.analysis_entities WHERE "turn_id" = $1
           UNION ALL SELECT 'analysis_intents', "role" FROM persistence.analysis_intents WHERE "turn_id" = $1
           UNION ALL SELECT 'analysis_objections', "role" FROM persistence.analysis_objections WHERE "turn_id" = $1
           ORDER BY 1`,
          [s.turnId(2)],
        );
      const tables = ['analyses', 'analysis_entities', 'analysis_intents', 'analysis_objections'];
      // The rep's own words analysed (assist mode): "I hear that price is a concern" reads as a price objection.
      await handle((h) => h.onAnalysisCompleted(s.analysis(2, 'discovery')));
      expect(await roles()).toEqual(tables.map((table) => ({ table, role: null })));

      await handle((h) => h.onTurnReceived(s.turn(2)));
      expect(await roles()).toEqual(tables.map((table) => ({ table, role: 'rep' })));
      // Stored after its turn, the prospect's analysis has its role at once.
      await handleAll([
        (h) => h.onTurnReceived(s.turn(3)),
        (h) => h.onAnalysisCompleted(s.analysis(3, 'discovery', { analysis: { objections: [] } })),
      ]);
      const [prospect] = await query<{ role: string }>(
        `SELECT "role" FROM persistence.analyses WHERE "turn_id" = $1`,
        [s.turnId(3)],
      );
      expect(prospect).toEqual({ role: 'prospect' });
      // The prospect moved on, but the objection was the rep's words: it is not one the prospect raised.
      expect((await objections(s.conversationId)).map((o) => [o.turn_id, o.handled])).toEqual([
        [s.turnId(2), false],
      ]);
    });

    it("decides a rep turn's suggestion when the suggested reply arrives after it", async () => {
      const s = new ConversationScript('tenant-facts-late');
      await handle((h) =>
        h.onTurnReceived(
          s.turn(2, at(2), { text: 'Reply  to turn 1', suggestion: { replyId: s.replyId(1) } }),
        ),
      );
      const disposition = async () =>
        (
          await query<{ suggestion_reply_id: string; suggestion_disposition: string | null }>(
            `SELECT "suggestion_reply_id", "suggestion_disposition" FROM persistence.turns WHERE "id" = $1`,
            [s.turnId(2)],
          )
        )[0];
      expect(await disposition()).toEqual({
        suggestion_reply_id: s.replyId(1),
        suggestion_disposition: null,
      });
      const view = await client.getConversation('tenant-facts-late', s.conversationId);
      expect(view?.turns[0].suggestion).toEqual({ replyId: s.replyId(1), disposition: null });

      await handle((h) => h.onReplyGenerated(s.reply(1)));
      expect(await disposition()).toEqual({
        suggestion_reply_id: s.replyId(1),
        suggestion_disposition: 'accepted',
      });
      // A redelivered reply (another event id) decides nothing again.
      await handle((h) => h.onReplyGenerated(s.reply(1, newId())));
      expect(await disposition()).toEqual({
        suggestion_reply_id: s.replyId(1),
        suggestion_disposition: 'accepted',
      });
    });

    it('redacts a turn stored before the analysis that found a person name once that analysis arrives', async () => {
      const s = new ConversationScript('tenant-facts-late');
      await handle((h) => h.onTurnReceived(s.turn(3, at(3), { text: TEXT[3] })));
      const redacted = async () =>
        (
          await query<{ redacted_text: string }>(
            `SELECT "redacted_text" FROM persistence.turns WHERE "id" = $1`,
            [s.turnId(3)],
          )
        )[0].redacted_text;
      expect(await redacted()).toBe(TEXT[3]);
      await handle((h) =>
        h.onAnalysisCompleted(
          s.analysis(1, 'discovery', { analysis: { entities: [{ type: 'person', text: 'Jordan Lee' }] } }),
        ),
      );
      expect(await redacted()).toBe('[NAME] from finance will join. Send the proposal.');
    });

    it('takes the deal of a deal change heard before anything else, once the conversation is stored', async () => {
      const s = new ConversationScript('tenant-facts-crm', {
        name: 'Dana Scott',
        crmContactId: 'crm-contact-9',
      });
      await handle((h) => h.onCrmChangeProposed(s.dealChangeProposed(1, ids.dealC, at(1, 1))));
      expect(await conversationRow(s.conversationId)).toBeUndefined();
      await handle((h) => h.onConversationStarted(s.started()));
      expect(await conversationRow(s.conversationId)).toMatchObject({
        crm_contact_id: 'crm-contact-9',
        crm_account_id: null,
        crm_deal_id: ids.dealC,
      });
      // A later lookup names the account; the deal change came first and keeps its deal; the prospect
      // reference's contact id wins over the lookup's.
      await handle((h) =>
        h.onToolCompleted(s.toolCompleted(2, 'crm_lookup_prospect', at(2, 2), lookupResult)),
      );
      expect(await conversationRow(s.conversationId)).toMatchObject({
        crm_contact_id: 'crm-contact-9',
        crm_account_id: ids.account,
        crm_deal_id: ids.dealC,
      });
      // An earlier lookup (a late event) wins over both.
      await handle((h) =>
        h.onToolCompleted(
          s.toolCompleted(1, 'crm_get_deal_history', at(1, 0), {
            found: true,
            deal: { ...lookupResult.openDeals[1] },
            stageChanges: [],
            activities: [],
          }),
        ),
      );
      expect(await conversationRow(s.conversationId)).toMatchObject({ crm_deal_id: ids.dealB });
    });
  });

  describe('convergence', () => {
    it('ends in the same rows whatever the order the events of a conversation arrive in', async () => {
      const reference = new ConversationScript('tenant-facts-orders');
      await handleAll(story(reference));
      const expected = await dump(reference);
      expect(expected.stage_transitions).toHaveLength(3);
      expect(expected.analysis_entities).toHaveLength(6);

      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const s = new ConversationScript('tenant-facts-orders');
        await handleAll(shuffled(story(s), seed));
        expect([seed, await dump(s)]).toEqual([seed, expected]);
      }
      const reversed = new ConversationScript('tenant-facts-orders');
      await handleAll([...story(reversed)].reverse());
      expect(await dump(reversed)).toEqual(expected);
    });

    it('ends in the same rows when every event of the conversation is handled at once', async () => {
      const reference = new ConversationScript('tenant-facts-race');
      await handleAll(story(reference));
      const expected = await dump(reference);
      const s = new ConversationScript('tenant-facts-race');
      // Several units of work in flight together, on their own connections (the test pool has 4).
      await Promise.all(shuffled(story(s), 42).map((call) => handle(call)));
      expect(await dump(s)).toEqual(expected);
    });
  });
});
