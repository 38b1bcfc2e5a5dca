import {
  ConversationEvaluated,
  newId,
  type AnalysisCompletedData,
  type ConversationEvaluatedData,
  type EventData,
  type EventDefinition,
  type TurnRole,
} from '@lib/contracts';
import { createEnvelope, EventPublisher, type PublishOptions } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { EvaluatorConversationDeletion } from '../deletion/conversation-deletion.service';
import { EVALUATOR_DATABASE } from '../evaluator-database';
import { ConversationEvaluator } from './conversation-evaluator.service';
import { ConversationFactsRepository } from './conversation-facts.repository';
import { IdleConversationSweeper } from './idle-conversation-sweeper';

class CapturingPublisher extends EventPublisher {
  readonly published: { type: string; id?: string; data: unknown }[] = [];
  async publish<D extends EventDefinition>(definition: D, data: EventData<D>, options: PublishOptions) {
    this.published.push({ type: definition.type, id: options.id, data });
    return createEnvelope(definition, data, options, 'test');
  }
  evaluations(conversationId: string): ConversationEvaluatedData[] {
    return this.published
      .filter((p) => p.type === ConversationEvaluated.type)
      .map((p) => p.data as ConversationEvaluatedData)
      .filter((d) => d.conversationId === conversationId);
  }
}

const IDLE_AFTER_MS = 30 * 60_000;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

describe('conversation-level evaluation in the evaluator (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let publisher: CapturingPublisher;
  let evaluator: ConversationEvaluator;
  let sweeper: IdleConversationSweeper;
  let deletion: EvaluatorConversationDeletion;

  beforeAll(async () => {
    db = await createMigratedDatabase(EVALUATOR_DATABASE);
    publisher = new CapturingPublisher();
    const facts = new ConversationFactsRepository(db.uow);
    evaluator = new ConversationEvaluator(facts, publisher);
    sweeper = new IdleConversationSweeper(facts, evaluator, {
      idleAfterMs: IDLE_AFTER_MS,
      sweepIntervalMs: 0,
      sweepBatch: 50,
    });
    deletion = new EvaluatorConversationDeletion(db.uow);
  });
  afterAll(async () => {
    await db?.close();
  });

  const prospect = { crmContactId: 'c-1', name: 'Dana Prospect' };

  async function turn(
    tenantId: string,
    conversationId: string,
    sequence: number,
    role: TurnRole,
    text: string,
    minute: number,
  ): Promise<string> {
    const turnId = newId();
    await evaluator.turnReceived(tenantId, {
      conversationId,
      turnId,
      sequence,
      role,
      text,
      conversation: { mode: 'assist', prospect },
      receivedAt: at(minute).toISOString(),
    });
    return turnId;
  }

  const analysis = (
    conversationId: string,
    turnId: string,
    stage: AnalysisCompletedData['analysis']['stage'],
    sentiment: 'positive' | 'neutral' | 'negative',
    objections: AnalysisCompletedData['analysis']['objections'] = [],
  ): AnalysisCompletedData => ({
    conversationId,
    turnId,
    analysis: {
      intents: [],
      sentiment: { label: sentiment, score: 0 },
      entities: [],
      objections,
      buyingSignals: [],
      stage,
    },
    model: { provider: 'offline', name: 'rules', promptVersion: 'v1' },
    completedAt: new Date().toISOString(),
  });

  async function replyScore(tenantId: string, conversationId: string, groundedness: number): Promise<void> {
    await db.dataSource.query(
      `INSERT INTO "evaluator"."evaluations" ("evaluation_id", "reply_id", "conversation_id", "turn_id",
         "tenant_id", "groundedness", "grounded", "citation_validity", "schema_valid", "total_ms", "latency",
         "details", "prompt_version", "model", "evaluated_at")
       VALUES ($1, $2, $3, $4, $5, $6, true, 1, true, 10, '{}', '{}', 'v1', '{}', now())`,
      [newId(), newId(), conversationId, newId(), tenantId, groundedness],
    );
  }

  /** A 4-turn assist conversation: a price objection in discovery, then proposal; replies 1 and 0.5. */
  async function conversation(tenantId: string, minute = 0): Promise<{ id: string; lastTurnId: string }> {
    const id = newId();
    await evaluator.conversationStarted(tenantId, {
      conversationId: id,
      mode: 'assist',
      prospect,
      startedAt: at(minute).toISOString(),
    });
    const t1 = await turn(tenantId, id, 1, 'prospect', 'This is too expensive for our small team', minute);
    await turn(
      tenantId,
      id,
      2,
      'rep',
      'We have a plan for small teams, with a discount for a whole year',
      minute,
    );
    const t3 = await turn(tenantId, id, 3, 'prospect', 'Sounds good, send me the proposal', minute + 1);
    const t4 = await turn(tenantId, id, 4, 'rep', 'Will do today', minute + 2);
    await evaluator.analysisCompleted(
      tenantId,
      analysis(id, t1, 'discovery', 'negative', [{ type: 'price', evidence: 'too expensive' }]),
    );
    await evaluator.analysisCompleted(tenantId, analysis(id, t3, 'proposal', 'positive'));
    await replyScore(tenantId, id, 1);
    await replyScore(tenantId, id, 0.5);
    return { id, lastTurnId: t4 };
  }

  const ended = (conversationId: string) => ({
    conversationId,
    reason: 'closed' as const,
    endedAt: new Date().toISOString(),
  });

  it('evaluates an ended conversation once, with the expected numbers; a redelivery publishes nothing', async () => {
    const { id, lastTurnId } = await conversation('tenant-a');
    const first = await evaluator.conversationEnded('tenant-a', ended(id));
    expect(first).toMatchObject({
      conversationId: id,
      trigger: 'ended',
      lastTurnId,
      mode: 'assist',
      turns: { prospect: 2, rep: 2 },
      stage: { first: 'discovery', last: 'proposal', advances: 1, transitions: 1 },
      objections: { raised: 1, handled: 1, byType: { price: { raised: 1, handled: 1 } } },
      // rep 14 + 3 words, prospect 8 + 6 words: 17 / 31
      talkRatio: 0.5484,
      replies: 2,
      groundedness: { mean: 0.75, min: 0.5 },
    });
    expect(ConversationEvaluated.schema.safeParse(first).success).toBe(true);
    // Redelivered: same evaluation id, nothing stored nor published again; a redelivered turn changes nothing.
    expect(await evaluator.conversationEnded('tenant-a', ended(id))).toBeUndefined();
    expect(publisher.evaluations(id)).toHaveLength(1);
    expect(publisher.evaluations(id)[0].evaluationId).toBe(first?.evaluationId);
    const stored: { n: number }[] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM "evaluator"."conversation_evaluations" WHERE "conversation_id" = $1`,
      [id],
    );
    expect(stored[0].n).toBe(1);
    // The sweep does not evaluate it again: it was evaluated since its last turn.
    await sweeper.sweep(at(24 * 60));
    expect(publisher.evaluations(id)).toHaveLength(1);
  });

  it('evaluates an idle conversation once per last turn; new turns make a new evaluation', async () => {
    const { id, lastTurnId } = await conversation('tenant-a', 60);
    // Not idle yet 10 minutes after its last turn.
    await sweeper.sweep(at(60 + 2 + 10));
    expect(publisher.evaluations(id)).toHaveLength(0);

    const result = await sweeper.sweep(at(60 + 2 + 31));
    expect(result?.evaluated).toBeGreaterThanOrEqual(1);
    expect(publisher.evaluations(id)).toEqual([
      expect.objectContaining({ trigger: 'idle', lastTurnId, turns: { prospect: 2, rep: 2 } }),
    ]);
    // A second sweep: nothing new.
    await sweeper.sweep(at(60 + 2 + 45));
    expect(publisher.evaluations(id)).toHaveLength(1);

    // The prospect comes back: after another idle period, a new evaluation covering the new turn.
    const t5 = await turn('tenant-a', id, 5, 'prospect', 'One more question about the contract', 200);
    await sweeper.sweep(at(200 + 31));
    const evaluations = publisher.evaluations(id);
    expect(evaluations).toHaveLength(2);
    expect(evaluations[1]).toMatchObject({ trigger: 'idle', lastTurnId: t5, turns: { prospect: 3, rep: 2 } });
    expect(evaluations[1].evaluationId).not.toBe(evaluations[0].evaluationId);
  });

  it('sweeps in one instance at a time (the others skip)', async () => {
    const facts = new ConversationFactsRepository(db.uow);
    const inner = await facts.withSweepLock(() => sweeper.sweep(at(10_000)));
    expect(inner).toBeUndefined();
  });

  it("deletes the conversation's facts and evaluations, and ignores its late events", async () => {
    const { id } = await conversation('tenant-d');
    await evaluator.conversationEnded('tenant-d', ended(id));
    const rows = async (): Promise<Record<string, number>> => {
      const found: Record<string, number> = {};
      for (const table of [
        'conversation_facts',
        'conversation_turn_facts',
        'conversation_analysis_facts',
        'conversation_evaluations',
      ]) {
        const r: { n: number }[] = await db.dataSource.query(
          `SELECT count(*)::int AS n FROM "evaluator"."${table}" WHERE "conversation_id" = $1`,
          [id],
        );
        if (r[0].n > 0) found[table] = r[0].n;
      }
      return found;
    };
    expect(await rows()).toEqual({
      conversation_facts: 1,
      conversation_turn_facts: 4,
      conversation_analysis_facts: 2,
      conversation_evaluations: 1,
    });
    const removed = await deletion.delete('tenant-d', {
      conversationId: id,
      reason: 'request',
      deletedAt: new Date().toISOString(),
    });
    expect(removed).toMatchObject({
      conversation_facts: 1,
      conversation_turn_facts: 4,
      conversation_analysis_facts: 2,
      conversation_evaluations: 1,
    });
    expect(await rows()).toEqual({});
    // Late events: nothing kept, nothing evaluated.
    await turn('tenant-d', id, 6, 'prospect', 'hello again', 0);
    expect(await evaluator.conversationEnded('tenant-d', ended(id))).toBeUndefined();
    expect(await rows()).toEqual({});
    expect(publisher.evaluations(id)).toHaveLength(1);
  });
});
