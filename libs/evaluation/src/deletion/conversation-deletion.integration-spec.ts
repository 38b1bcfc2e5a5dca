import {
  newId,
  ReplyGenerated,
  type EnvelopeOf,
  type EventData,
  type EventDefinition,
  type TurnReceivedData,
} from '@lib/contracts';
import { createEnvelope, EventPublisher, PermanentError, type PublishOptions } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { EvaluationRepository } from '../evaluation.repository';
import { EVALUATOR_DATABASE } from '../evaluator-database';
import { ReplyEvaluator } from '../reply-evaluator.service';
import { EvaluatorTurnStore } from '../turns/turn-store';
import { EvaluatorConversationDeletion } from './conversation-deletion.service';

class CountingPublisher extends EventPublisher {
  readonly types: string[] = [];
  async publish<D extends EventDefinition>(definition: D, data: EventData<D>, options: PublishOptions) {
    this.types.push(definition.type);
    return createEnvelope(definition, data, options, 'test');
  }
}

const passage = 'Our annual plans are credit-based, meaning you get a discount on pre-paid credit.';

function reply(conversationId: string, tenantId: string): EnvelopeOf<typeof ReplyGenerated> {
  return createEnvelope(
    ReplyGenerated,
    {
      conversationId,
      turnId: newId(),
      replyId: newId(),
      kind: 'reply',
      text: passage,
      citations: [],
      grounding: [
        {
          sourceId: 'kb:plans#0',
          kind: 'knowledge_base',
          toolCallId: newId(),
          title: 'Plans',
          source: 'plans.md',
          text: passage,
        },
      ],
      toolCallIds: [],
      model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'offline-2026-11' },
      usage: { inputTokens: 1, outputTokens: 1 },
      timing: {
        turnReceivedAt: '2026-11-24T10:00:00.000Z',
        orchestrationStartedAt: '2026-11-24T10:00:00.040Z',
        toolsMs: 1,
        generationMs: 1,
      },
      generatedAt: '2026-11-24T10:00:00.260Z',
    },
    { tenantId },
    'orchestrator',
  );
}

describe('conversation deletion in the evaluator (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let publisher: CountingPublisher;
  let evaluator: ReplyEvaluator;
  let turns: EvaluatorTurnStore;
  let deletion: EvaluatorConversationDeletion;

  beforeAll(async () => {
    db = await createMigratedDatabase(EVALUATOR_DATABASE);
    publisher = new CountingPublisher();
    turns = new EvaluatorTurnStore(db.uow);
    evaluator = new ReplyEvaluator(
      new EvaluationRepository(db.uow),
      publisher,
      { groundednessThreshold: 0.6, claimSupportRatio: 0.6, offTopicThreshold: 0.15, competitors: [] },
      turns,
      null,
    );
    deletion = new EvaluatorConversationDeletion(db.uow);
  });
  afterAll(async () => {
    await db?.close();
  });

  const deleted = (conversationId: string) => ({
    conversationId,
    reason: 'retention' as const,
    requestedBy: 'retention',
    deletedAt: new Date().toISOString(),
  });

  const rowsMentioning = async (id: string): Promise<Record<string, number>> => {
    const found: Record<string, number> = {};
    for (const table of ['evaluations', 'turns', 'competitor_mentions', 'inbox', 'outbox']) {
      const rows: { n: number }[] = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM "evaluator"."${table}" t WHERE row_to_json(t)::text LIKE $1`,
        [`%${id}%`],
      );
      if (rows[0].n > 0) found[table] = rows[0].n;
    }
    return found;
  };

  it("deletes the conversation's evaluations only, for its tenant only, idempotently", async () => {
    const a = newId();
    const b = newId();
    await evaluator.evaluate(reply(a, 'tenant-a'));
    await evaluator.evaluate(reply(a, 'tenant-a'));
    await evaluator.evaluate(reply(b, 'tenant-a'));
    expect(await rowsMentioning(a)).toEqual({ evaluations: 2 });

    await expect(deletion.delete('tenant-b', deleted(a))).rejects.toBeInstanceOf(PermanentError);
    expect(await rowsMentioning(a)).toEqual({ evaluations: 2 });

    expect(await deletion.delete('tenant-a', deleted(a))).toEqual({ evaluations: 2 });
    expect(await rowsMentioning(a)).toEqual({});
    expect(await rowsMentioning(b)).toEqual({ evaluations: 1 });
    expect(await deletion.delete('tenant-a', deleted(a))).toEqual({});
  });

  it('does not evaluate a late reply of a deleted conversation (nothing stored, nothing published)', async () => {
    const a = newId();
    await deletion.delete('tenant-a', deleted(a));
    const before = publisher.types.length;
    expect(await evaluator.evaluate(reply(a, 'tenant-a'))).toBeUndefined();
    expect(publisher.types).toHaveLength(before);
    expect(await rowsMentioning(a)).toEqual({});
  });

  const turn = (conversationId: string, text: string): TurnReceivedData => ({
    conversationId,
    turnId: newId(),
    sequence: 1,
    role: 'prospect',
    text,
    conversation: { mode: 'autonomous', prospect: { name: 'Jane' } },
    receivedAt: new Date().toISOString(),
  });

  it("deletes the conversation's turns (raw text) and competitor mentions with it, and keeps none arriving after", async () => {
    const a = newId();
    expect(await turns.record('tenant-a', turn(a, 'my email is jane@acme.io'))).toBe(true);
    const analysis = {
      conversationId: a,
      turnId: newId(),
      analysis: {
        intents: [],
        sentiment: { label: 'neutral' as const, score: 0 },
        entities: [{ type: 'competitor' as const, text: 'Mixpanel' }],
        objections: [],
        buyingSignals: [],
        stage: 'discovery' as const,
      },
      model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'offline-2026-11' },
      completedAt: new Date().toISOString(),
    };
    expect(await turns.recordCompetitors('tenant-a', analysis)).toBe(1);
    await evaluator.evaluate(reply(a, 'tenant-a'));
    expect(await rowsMentioning(a)).toEqual({ evaluations: 1, turns: 1, competitor_mentions: 1 });

    expect(await deletion.delete('tenant-a', deleted(a))).toEqual({
      evaluations: 1,
      turns: 1,
      competitor_mentions: 1,
    });
    expect(await rowsMentioning(a)).toEqual({});
    expect(await turns.record('tenant-a', turn(a, 'still there?'))).toBe(false);
    expect(await turns.recordCompetitors('tenant-a', analysis)).toBe(0);
    expect(await rowsMentioning(a)).toEqual({});
  });
});
