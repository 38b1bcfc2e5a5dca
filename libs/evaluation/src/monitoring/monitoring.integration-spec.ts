import { Logger } from '@nestjs/common';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { deriveId, newId, ReplyGenerated, Topics, TurnFailed, type ReplyGeneratedData } from '@lib/contracts';
import { EventPublisher, InProcessEventBus } from '@lib/messaging';
import { startService, type RunningService } from '@lib/runtime';
import { createTestDatabase, type TestDatabase } from '@lib/testing';
import { evaluatorService } from '../evaluation.module';
import { AnomalyAlertIds } from './anomaly-monitor.service';
import { groundedReply } from '../testing/replies';

/**
 * The evaluator service (runtime, in-process transport, inbox and outbox on PostgreSQL) fed a synthetic stream
 * of turn outcomes: 150 healthy turns then an outage of 40 failures raise exactly one error_rate_spike alert per
 * severity (warning as it starts, critical when the window is all failures), also when the whole stream is
 * delivered a second time.
 */
const T0 = Date.parse('2026-11-24T08:00:00.000Z');

describe('anomaly detection in the evaluator (PostgreSQL, in-process bus)', () => {
  let db: TestDatabase;
  let bus: InProcessEventBus;
  let evaluator: RunningService;
  const tenantId = 'tenant-monitoring';
  const conversationId = newId();

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    db = await createTestDatabase('evaluator_monitoring');
    bus = new InProcessEventBus();
    const config = loadConfig(CommonConfigSchema, {
      DATABASE_URL: db.url,
      MESSAGING_TRANSPORT: 'in-process',
      LOG_LEVEL: 'error',
      NODE_ENV: 'test',
    });
    evaluator = await startService(evaluatorService, { config, bus, migrateOnBoot: true, port: 0 });
  });
  afterAll(async () => {
    await evaluator?.stop();
    await db?.drop();
  });

  const reply = (n: number, at: string): ReplyGeneratedData => groundedReply(conversationId, n, at);

  async function publishStream(): Promise<void> {
    const publisher = evaluator.app.get(EventPublisher);
    for (let n = 0; n < 190; n++) {
      const at = new Date(T0 + n * 10_000).toISOString();
      const id = deriveId(conversationId, 'outcome', String(n));
      // One failure in 25 while healthy, then an outage from the 150th turn.
      if (n >= 150 || n % 25 === 24) {
        await publisher.publish(
          TurnFailed,
          {
            conversationId,
            turnId: deriveId(conversationId, 'turn', String(n)),
            reason: { code: 'model_unavailable', message: 'the model is unavailable' },
            failedAt: at,
          },
          { tenantId, id },
        );
      } else {
        await publisher.publish(ReplyGenerated, reply(n, at), { tenantId, id });
      }
    }
    await bus.drain();
  }

  const alerts = () =>
    bus
      .records(Topics.alerts.name)
      .filter((r) => r.value !== null)
      .map((r) => ({
        id: r.headers.ce_id,
        data: JSON.parse(r.value!.toString('utf8')) as Record<string, unknown>,
      }));

  it('raises one error_rate_spike alert per severity within the bound, once even when redelivered', async () => {
    await publishStream();
    await publishStream();
    const raised = alerts();
    expect(raised.map((a) => [a.data.kind, a.data.severity])).toEqual([
      ['error_rate_spike', 'warning'],
      ['error_rate_spike', 'critical'],
    ]);
    expect(raised[0].data.alertId).not.toBe(raised[1].data.alertId);
    const alert = raised[0].data;
    expect(alert).toMatchObject({ severity: 'warning', scope: 'tenant', conversationId });
    // Tipped within 30 failures of the outage (turns 150..179).
    const turn = Array.from({ length: 30 }, (_, i) => deriveId(conversationId, 'turn', String(150 + i)));
    expect(turn).toContain(alert.turnId);
    expect(raised[0].id).toBe(AnomalyAlertIds.alertEvent(alert.alertId as string));
    expect(alert.evidence).toMatchObject({ statistic: 'mean', window: { sampleCount: 30 } });
    expect(bus.deadLetters(Topics.outcomes.name)).toEqual([]);
  });
});
