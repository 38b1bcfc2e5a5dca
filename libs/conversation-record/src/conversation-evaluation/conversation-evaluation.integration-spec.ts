import type { INestApplication } from '@nestjs/common';
import {
  ConversationDeleted,
  ConversationEnded,
  ConversationEvaluated,
  deriveId,
  type ConversationEvaluatedData,
} from '@lib/contracts';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { ConversationDeletedController } from '../deletion/conversation-deleted.controller';
import { ConversationDeletedError } from '../deletion/deleted-conversations';
import { PERSISTENCE_DATABASE } from '../persistence-database';
import { ConversationEventsController } from '../recording/conversation-events.controller';
import { PERSISTENCE_SCHEMA } from '../schema';
import { at, ConversationScript, envelope } from '../testing/fixtures';
import { startTestApp } from '../testing/test-app';
import { ConversationEvaluationEventsController } from './conversation-evaluation-events.controller';

describe('conversation.ended and conversation.evaluated in the record (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let app: INestApplication;
  let events: ConversationEventsController;
  let evaluations: ConversationEvaluationEventsController;

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    ({ app } = await startTestApp(db.uow));
    events = app.get(ConversationEventsController);
    evaluations = app.get(ConversationEvaluationEventsController);
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const evaluated = (s: ConversationScript, trigger: 'ended' | 'idle'): ConversationEvaluatedData => ({
    conversationId: s.conversationId,
    evaluationId: deriveId(s.conversationId, 'conversation-evaluation', trigger, s.turnId(2)),
    trigger,
    lastTurnId: s.turnId(2),
    mode: 'assist',
    turns: { prospect: 1, rep: 1 },
    stage: { first: 'discovery', last: 'proposal', advances: 1, transitions: 1 },
    objections: { raised: 2, handled: 1, byType: { price: { raised: 2, handled: 1 } } },
    talkRatio: 0.625,
    replies: 1,
    groundedness: { mean: 0.8, min: 0.8 },
    evaluatedAt: at(5),
  });

  const row = async (s: ConversationScript) => {
    const rows: { status: string; ended_at: Date | null; end_reason: string | null }[] =
      await db.dataSource.query(
        `SELECT "status", "ended_at", "end_reason" FROM "${PERSISTENCE_SCHEMA}"."conversations" WHERE "id" = $1`,
        [s.conversationId],
      );
    return rows[0];
  };
  const stored = async (s: ConversationScript): Promise<Record<string, unknown>[]> =>
    db.dataSource.query(
      `SELECT "trigger", "prospect_turns", "rep_turns", "first_stage", "last_stage", "stage_advances",
         "objections_raised", "objections_handled", "objections_by_type", "talk_ratio", "replies",
         "groundedness_mean", "groundedness_min"
       FROM "${PERSISTENCE_SCHEMA}"."conversation_evaluations" WHERE "conversation_id" = $1 ORDER BY "trigger"`,
      [s.conversationId],
    );

  it('keeps the first end and stores each evaluation once', async () => {
    const s = new ConversationScript('tenant-e');
    await db.uow.run(() => events.onConversationStarted(s.started()));
    await db.uow.run(() => events.onTurnReceived(s.turn(1)));
    const end = (endedAt: string) =>
      envelope(
        ConversationEnded,
        { conversationId: s.conversationId, reason: 'closed', endedAt },
        s.tenantId,
      );
    await db.uow.run(() => evaluations.onConversationEnded(end(at(3))));
    await db.uow.run(() => evaluations.onConversationEnded(end(at(4))));
    expect(await row(s)).toEqual({ status: 'active', ended_at: new Date(at(3)), end_reason: 'closed' });

    const event = envelope(ConversationEvaluated, evaluated(s, 'ended'), s.tenantId);
    await db.uow.run(() => evaluations.onConversationEvaluated(event));
    await db.uow.run(() => evaluations.onConversationEvaluated(event));
    await db.uow.run(() =>
      evaluations.onConversationEvaluated(envelope(ConversationEvaluated, evaluated(s, 'idle'), s.tenantId)),
    );
    const rows = await stored(s);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      trigger: 'ended',
      prospect_turns: 1,
      rep_turns: 1,
      first_stage: 'discovery',
      last_stage: 'proposal',
      stage_advances: 1,
      objections_raised: 2,
      objections_handled: 1,
      objections_by_type: { price: { raised: 2, handled: 1 } },
      talk_ratio: 0.625,
      replies: 1,
      groundedness_mean: 0.8,
      groundedness_min: 0.8,
    });
  });

  it('an end or an evaluation before conversation.started makes a stub that started completes', async () => {
    const s = new ConversationScript('tenant-e');
    await db.uow.run(() =>
      evaluations.onConversationEnded(
        envelope(
          ConversationEnded,
          { conversationId: s.conversationId, reason: 'closed', endedAt: at(9) },
          s.tenantId,
        ),
      ),
    );
    expect(await row(s)).toMatchObject({ status: 'pending', end_reason: 'closed' });
    await db.uow.run(() => events.onConversationStarted(s.started()));
    expect(await row(s)).toEqual({ status: 'active', ended_at: new Date(at(9)), end_reason: 'closed' });
  });

  it("the conversation's deletion removes its evaluations; a late evaluation is dropped", async () => {
    const s = new ConversationScript('tenant-e');
    await db.uow.run(() => events.onConversationStarted(s.started()));
    await db.uow.run(() =>
      evaluations.onConversationEvaluated(envelope(ConversationEvaluated, evaluated(s, 'idle'), s.tenantId)),
    );
    expect(await stored(s)).toHaveLength(1);
    const deletions = app.get(ConversationDeletedController);
    await db.uow.run(() =>
      deletions.onConversationDeleted(
        envelope(
          ConversationDeleted,
          { conversationId: s.conversationId, reason: 'request', deletedAt: new Date().toISOString() },
          s.tenantId,
        ),
      ),
    );
    expect(await stored(s)).toHaveLength(0);
    await expect(
      db.uow.run(() =>
        evaluations.onConversationEvaluated(
          envelope(ConversationEvaluated, evaluated(s, 'ended'), s.tenantId),
        ),
      ),
    ).rejects.toBeInstanceOf(ConversationDeletedError);
    expect(await stored(s)).toHaveLength(0);
  });
});
