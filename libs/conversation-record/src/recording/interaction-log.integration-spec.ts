import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { ConversationEventsController } from '../index';
import { PERSISTENCE_DATABASE } from '../persistence-database';
import { at, ConversationScript } from '../testing/fixtures';
import { startTestApp } from '../testing/test-app';

/**
 * The interaction log (issue 5: "interaction logging for analysis: structured, redacted, with trace ids") on
 * the real PostgreSQL: one record per interaction stored for the first time, written after commit, with the
 * event's trace id and no PII.
 */
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
const tracer = new BasicTracerProvider().getTracer('interaction-log-test');

const PROSPECT_TEXT =
  'Hi, Dana Scott here, reach me at dana.scott@acme.com or +1 415 555 0100. Card 4111 1111 1111 1111.';

describe('interaction log', () => {
  let db: MigratedServiceDatabase;
  let app: INestApplication;
  let handlers: ConversationEventsController;
  let logged: { message: unknown; context: unknown }[];

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    ({ app } = await startTestApp(db.uow));
    handlers = app.get(ConversationEventsController);
  });

  beforeEach(() => {
    logged = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation(function (this: Logger, message: unknown): void {
      logged.push({ message, context: (this as unknown as { context?: string }).context });
    });
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    context.disable();
    await app?.close();
    await db?.close();
  });

  const interactions = (): Record<string, unknown>[] =>
    logged.filter((l) => l.context === 'Interactions').map((l) => l.message as Record<string, unknown>);

  /** Runs a handler the way the transport does: in the consumer span, inside a unit of work. */
  const inSpan = async (work: () => Promise<void>): Promise<string> => {
    const span = tracer.startSpan('sales.conversation.turns.v1 process');
    try {
      await context.with(trace.setSpan(context.active(), span), () => db.uow.run(work));
    } finally {
      span.end();
    }
    return span.spanContext().traceId;
  };

  it('logs a stored turn and reply once each, redacted, with the trace id of their processing', async () => {
    const s = new ConversationScript('tenant-log');
    await db.uow.run(() => handlers.onConversationStarted(s.started()));
    const turn = s.turn(1, at(1), { text: PROSPECT_TEXT });
    const turnTrace = await inSpan(() => handlers.onTurnReceived(turn));
    const reply = s.reply(1, undefined, {}, { text: 'Thanks Dana, I will email dana.scott@acme.com.' });
    const replyTrace = await inSpan(() => handlers.onReplyGenerated(reply));
    // Redelivered (same event) and duplicated (new event id): stored once, logged once.
    await inSpan(() => handlers.onTurnReceived(turn));
    await inSpan(() => handlers.onReplyGenerated(s.reply(1, undefined, {}, { text: 'other' })));

    const records = interactions();
    expect(records.map((r) => r.kind)).toEqual(['turn.received', 'reply.generated']);
    const [turnRecord, replyRecord] = records;
    expect(turnRecord).toMatchObject({
      event: 'interaction',
      tenantId: 'tenant-log',
      conversationId: s.conversationId,
      turnId: s.turnId(1),
      role: 'prospect',
      sequence: 1,
      trace_id: turnTrace,
      textLength: PROSPECT_TEXT.length,
      redactions: { email: 1, phone: 1, card: 1, name: 1 },
    });
    expect(turnRecord.text).toBe('Hi, [NAME] here, reach me at [EMAIL] or [PHONE]. Card [CARD].');
    expect(replyRecord).toMatchObject({
      role: 'assistant',
      replyId: s.replyId(1),
      trace_id: replyTrace,
      text: 'Thanks [NAME], I will email [EMAIL].',
    });
    const serialized = JSON.stringify(records);
    for (const secret of ['dana.scott@acme.com', '555 0100', '4111', 'Dana', 'Scott'])
      expect(serialized).not.toContain(secret);
  });

  it('logs nothing when the unit of work rolls back', async () => {
    const s = new ConversationScript('tenant-log');
    await expect(
      db.uow.run(async () => {
        await handlers.onTurnReceived(s.turn(1, at(1), { text: 'call me at +1 415 555 0199' }));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(interactions()).toEqual([]);
  });
});
