import {
  AlertRaised,
  deriveId,
  EvaluationCompleted,
  newId,
  ReplyGenerated,
  type EventData,
  type EventDefinition,
  type ReplyGeneratedData,
} from '@lib/contracts';
import { revertAllMigrations } from '@lib/database';
import { createEnvelope, EventPublisher, type PublishOptions } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { EvaluationRepository } from './evaluation.repository';
import { EVALUATOR_DATABASE } from './evaluator-database';
import { EvaluationIds, ReplyEvaluator } from './reply-evaluator.service';

interface Published {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly options: PublishOptions;
  readonly inTransaction: boolean;
}

class RecordingPublisher extends EventPublisher {
  readonly published: Published[] = [];
  constructor(private readonly db: MigratedServiceDatabase) {
    super();
  }
  async publish<D extends EventDefinition>(definition: D, data: EventData<D>, options: PublishOptions) {
    const envelope = createEnvelope(definition, data, options, 'test');
    this.published.push({
      type: definition.type,
      data: data as Record<string, unknown>,
      options,
      inTransaction: this.db.uow.isActive,
    });
    return envelope;
  }
}

const toolCallId = newId();
const passage = 'Our annual plans are credit-based, meaning you get a discount on pre-paid PostHog credit.';

function replyEvent(text: string) {
  const data: ReplyGeneratedData = {
    conversationId: newId(),
    turnId: newId(),
    replyId: newId(),
    kind: 'reply',
    text,
    citations: [{ sourceId: 'kb:annual-plans#0', title: 'Annual plans', source: 'posthog/annual-plans.md' }],
    grounding: [
      {
        sourceId: 'kb:annual-plans#0',
        kind: 'knowledge_base',
        toolCallId,
        title: 'Annual plans',
        source: 'posthog/annual-plans.md',
        text: passage,
      },
    ],
    toolCallIds: [toolCallId],
    model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'offline-2026-11' },
    usage: { inputTokens: 40, outputTokens: 25 },
    timing: {
      turnReceivedAt: '2026-11-24T10:00:00.000Z',
      orchestrationStartedAt: '2026-11-24T10:00:00.040Z',
      toolsMs: 200,
      generationMs: 3,
    },
    generatedAt: '2026-11-24T10:00:00.260Z',
  };
  return createEnvelope(ReplyGenerated, data, { tenantId: 'tenant-a' }, 'orchestrator');
}

describe('ReplyEvaluator on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let publisher: RecordingPublisher;
  let repository: EvaluationRepository;
  let evaluator: ReplyEvaluator;

  beforeAll(async () => {
    db = await createMigratedDatabase(EVALUATOR_DATABASE);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    publisher = new RecordingPublisher(db);
    repository = new EvaluationRepository(db.uow);
    evaluator = new ReplyEvaluator(repository, publisher, {
      groundednessThreshold: 0.6,
      claimSupportRatio: 0.6,
    });
  });

  it('stores one evaluation per reply and announces it once, even when the reply is delivered twice', async () => {
    const event = replyEvent(`Hi Jane, thanks for your question. ${passage} Happy to set up a call.`);
    const first = await evaluator.evaluate(event);
    const second = await evaluator.evaluate(event);
    expect(second).toBeUndefined();
    const replyId = event.data.replyId;
    expect(await repository.countByReply(replyId)).toBe(1);
    const stored = await repository.findByReply(replyId);
    expect(stored).toMatchObject({
      evaluationId: deriveId(replyId, 'evaluation'),
      tenantId: 'tenant-a',
      groundedness: 1,
      grounded: true,
      citationValidity: 1,
      schemaValid: true,
      totalMs: 260,
      latency: { queue: 40, tools: 200, generation: 3, total: 260 },
      promptVersion: 'offline-2026-11',
    });
    expect(publisher.published.map((p) => p.type)).toEqual([EvaluationCompleted.type]);
    const published = publisher.published[0];
    expect(published.inTransaction).toBe(true);
    expect(published.options.id).toBe(EvaluationIds.evaluationEvent(deriveId(replyId, 'evaluation')));
    expect(published.data).toEqual(first);
    expect(first?.scores).toEqual({
      groundedness: 1,
      grounded: true,
      citationValidity: 1,
      schemaValid: true,
    });
  });

  it('stores and announces once when the same reply is evaluated concurrently', async () => {
    const event = replyEvent(passage);
    const results = await Promise.all([evaluator.evaluate(event), evaluator.evaluate(event)]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await repository.countByReply(event.data.replyId)).toBe(1);
    expect(publisher.published.filter((p) => p.type === EvaluationCompleted.type)).toHaveLength(1);
  });

  it('raises an ungrounded_reply alert with the unsupported claims', async () => {
    const invented = 'Our enterprise tier costs $20 per seat and includes unlimited SSO.';
    const event = replyEvent(`${invented} We are ISO 27001 certified since 2019.`);
    const evaluation = await evaluator.evaluate(event);
    expect(evaluation?.scores.grounded).toBe(false);
    expect(publisher.published.map((p) => p.type)).toEqual([EvaluationCompleted.type, AlertRaised.type]);
    const alert = publisher.published[1].data;
    expect(alert).toMatchObject({
      alertId: EvaluationIds.alert(event.data.replyId, 'ungrounded_reply'),
      severity: 'warning',
      kind: 'ungrounded_reply',
      turnId: event.data.turnId,
    });
    expect((alert.evidence as { unsupportedClaims: string[] }).unsupportedClaims).toEqual([
      invented,
      'We are ISO 27001 certified since 2019.',
    ]);
    const stored = await repository.findByReply(event.data.replyId);
    expect(stored?.grounded).toBe(false);
  });
});

describe('evaluator migrations', () => {
  it('apply and revert cleanly', async () => {
    const db = await createMigratedDatabase(EVALUATOR_DATABASE);
    try {
      const tables = async (): Promise<string[]> =>
        (
          await db.dataSource.query<{ table_name: string }[]>(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = 'evaluator' ORDER BY 1`,
          )
        ).map((r) => r.table_name);
      expect(await tables()).toEqual(['evaluations', 'inbox', 'migrations', 'outbox']);
      expect(await revertAllMigrations(db.dataSource)).toBe(2);
      expect(await tables()).toEqual(['migrations']);
    } finally {
      await db.close();
    }
  });
});
