import { Logger } from '@nestjs/common';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { deriveId, ReplyGenerated, Topics, TurnFailed } from '@lib/contracts';
import { EventPublisher, InProcessEventBus } from '@lib/messaging';
import { startService, type RunningService } from '@lib/runtime';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { evaluatorService } from '../evaluation.module';
import { EVALUATOR_DATABASE } from '../evaluator-database';
import { EvaluatorAnomalyState1764000108700 } from '../migrations/anomaly-state.migration';
import { AnomalyMonitor } from './anomaly-monitor.service';
import { defaultDetectorOptions, WindowShiftDetector, type Anomaly } from './detectors';
import { groundedReply } from '../testing/replies';

/**
 * The detectors' state survives a restart: an evaluator warmed by 150 healthy turns per tenant is stopped
 * (state saved at shutdown) and a new one starts on the same database (state loaded at boot). An outage is then
 * flagged at the same event as by a detector that never restarted; an incident in progress (its warning raised
 * before the restart) only raises its critical alert after it; a tenant without saved state stays silent.
 */
const T0 = Date.parse('2026-11-24T08:00:00.000Z');
const HEALTHY = 150;

describe('anomaly detector state across an evaluator restart (PostgreSQL, in-process bus)', () => {
  let db: MigratedServiceDatabase;
  const running: RunningService[] = [];
  const warmTenant = 'tenant-warm';
  const incidentTenant = 'tenant-incident';
  const coldTenant = 'tenant-cold';
  const conversationOf = (tenantId: string): string => deriveId(tenantId, 'conversation');

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    db = await createMigratedDatabase(EVALUATOR_DATABASE);
  });
  afterAll(async () => {
    for (const service of running) await service.stop();
    await db?.close();
  });

  async function start(bus: InProcessEventBus): Promise<RunningService> {
    const config = loadConfig(CommonConfigSchema, {
      DATABASE_URL: db.database.url,
      MESSAGING_TRANSPORT: 'in-process',
      LOG_LEVEL: 'error',
      NODE_ENV: 'test',
    });
    const service = await startService(evaluatorService, { config, bus, migrateOnBoot: true, port: 0 });
    running.push(service);
    return service;
  }

  const reply = groundedReply;

  /** Turn n of a tenant fails during the outage (from `outageFrom`) and one time in 25 before it. */
  const fails = (n: number, outageFrom: number): boolean => n >= outageFrom || n % 25 === 24;

  async function publish(
    service: RunningService,
    bus: InProcessEventBus,
    tenantId: string,
    from: number,
    to: number,
    outageFrom: number,
  ): Promise<void> {
    const publisher = service.app.get(EventPublisher);
    const conversationId = conversationOf(tenantId);
    for (let n = from; n < to; n++) {
      const at = new Date(T0 + n * 10_000).toISOString();
      const id = deriveId(conversationId, 'outcome', String(n));
      if (fails(n, outageFrom)) {
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
        await publisher.publish(ReplyGenerated, reply(conversationId, n, at), { tenantId, id });
      }
    }
    await bus.drain();
  }

  const tenantOf = (conversationId: unknown): string | undefined =>
    [warmTenant, incidentTenant, coldTenant].find((t) => conversationOf(t) === conversationId);

  /** The error rate alerts published on a bus. */
  const alerts = (bus: InProcessEventBus) =>
    bus
      .records(Topics.alerts.name)
      .filter((r) => r.value !== null)
      .map((r) => JSON.parse(r.value!.toString('utf8')) as Record<string, unknown>)
      .filter((a) => a.kind === 'error_rate_spike')
      .map((a) => ({
        tenantId: tenantOf(a.conversationId),
        severity: a.severity,
        turnId: a.turnId,
        alert: a,
      }));

  /** What a detector that never restarted raises, fed the same outcomes. */
  function reference(tenantId: string, to: number, outageFrom: number): Anomaly[] {
    const detector = new WindowShiftDetector(
      defaultDetectorOptions({ cooldownMs: 900_000 }).error_rate_spike,
    );
    const conversationId = conversationOf(tenantId);
    const found: Anomaly[] = [];
    for (let n = 0; n < to; n++) {
      const anomaly = detector.observe({
        tenantId,
        at: T0 + n * 10_000,
        value: fails(n, outageFrom) ? 1 : 0,
        conversationId,
        turnId: deriveId(conversationId, 'turn', String(n)),
      });
      if (anomaly) found.push(anomaly);
    }
    return found;
  }

  const tipping = (a: { severity: unknown; turnId?: unknown }): string =>
    `${String(a.severity)}:${String(a.turnId)}`;

  it('keeps the baselines and the incident in progress; an outage is flagged as fast as without a restart', async () => {
    // Before the restart: both tenants warmed; the second one's outage starts (its warning is raised).
    const busA = new InProcessEventBus();
    const first = await start(busA);
    await publish(first, busA, warmTenant, 0, HEALTHY, HEALTHY);
    await publish(first, busA, incidentTenant, 0, HEALTHY + 12, HEALTHY);
    expect(alerts(busA).map((a) => [a.tenantId, a.severity])).toEqual([[incidentTenant, 'warning']]);
    await first.stop();

    // Saved at shutdown: per detector and tenant, with no conversation or turn id.
    const rows = await db.dataSource.query<{ detector: string; tenant_id: string; state: string }[]>(
      `SELECT "detector", "tenant_id", "state"::text AS "state" FROM "evaluator"."anomaly_state" ORDER BY 1, 2`,
    );
    expect(rows.filter((r) => r.detector === 'error_rate_spike').map((r) => r.tenant_id)).toEqual([
      incidentTenant,
      warmTenant,
    ]);
    for (const row of rows) {
      for (const tenantId of [warmTenant, incidentTenant]) {
        const conversationId = conversationOf(tenantId);
        expect(row.state).not.toContain(conversationId);
        for (let n = 0; n < HEALTHY + 12; n++) {
          expect(row.state).not.toContain(deriveId(conversationId, 'turn', String(n)));
          expect(row.state).not.toContain(deriveId(conversationId, 'reply', String(n)));
        }
      }
    }

    // After the restart: the outages continue, and a third tenant without saved state has one too.
    const busB = new InProcessEventBus();
    const second = await start(busB);
    await publish(second, busB, warmTenant, HEALTHY, HEALTHY + 30, HEALTHY);
    await publish(second, busB, incidentTenant, HEALTHY + 12, HEALTHY + 42, HEALTHY);
    await publish(second, busB, coldTenant, HEALTHY, HEALTHY + 30, 0);

    const raised = alerts(busB);
    // No alert for the cold tenant (its baseline is empty), no second warning for the incident in progress.
    expect(raised.map((a) => [a.tenantId, a.severity])).toEqual([
      [warmTenant, 'warning'],
      [warmTenant, 'critical'],
      [incidentTenant, 'critical'],
    ]);
    // The same events tip it as with a detector that never restarted, with the same numbers.
    const warm = reference(warmTenant, HEALTHY + 30, HEALTHY);
    expect(raised.filter((a) => a.tenantId === warmTenant).map(tipping)).toEqual(warm.map(tipping));
    const incident = reference(incidentTenant, HEALTHY + 42, HEALTHY);
    expect(incident.map((a) => a.severity)).toEqual(['warning', 'critical']);
    expect(raised.filter((a) => a.tenantId === incidentTenant).map(tipping)).toEqual([tipping(incident[1])]);
    const warning = raised[0].alert;
    expect(warning).toMatchObject({
      conversationId: conversationOf(warmTenant),
      evidence: {
        statistic: 'mean',
        baseline: Math.round(warm[0].baseline * 1e4) / 1e4,
        current: Math.round(warm[0].current * 1e4) / 1e4,
        window: { start: new Date(warm[0].windowStart).toISOString(), sampleCount: 30 },
        baselineCount: warm[0].baselineCount,
        exampleConversationIds: [conversationOf(warmTenant)],
      },
    });
    // Within the recent window's size of the outage's start.
    expect(warm[0].baselineCount).toBeLessThan(HEALTHY);
    // The examples come from the live samples only (the restored ones have no ids).
    const examples = (warning.evidence as { exampleTurnIds: string[] }).exampleTurnIds;
    for (const turnId of examples) {
      const n = Array.from({ length: 30 }, (_, i) => HEALTHY + i).find(
        (k) => deriveId(conversationOf(warmTenant), 'turn', String(k)) === turnId,
      );
      expect(n).toBeDefined();
    }

    // An explicit save writes the three tenants.
    expect(await second.app.get(AnomalyMonitor).saveState()).toBe(true);
    const saved = await db.dataSource.query<{ tenant_id: string }[]>(
      `SELECT "tenant_id" FROM "evaluator"."anomaly_state" WHERE "detector" = 'error_rate_spike' ORDER BY 1`,
    );
    expect(saved.map((r) => r.tenant_id)).toEqual([coldTenant, incidentTenant, warmTenant]);
  });
});

describe('anomaly state migration', () => {
  it('creates the table with its primary key, and reverts', async () => {
    const db = await createMigratedDatabase(EVALUATOR_DATABASE);
    const runner = db.dataSource.createQueryRunner();
    try {
      const columns = async (): Promise<string[]> =>
        (
          await db.dataSource.query<{ column_name: string; data_type: string }[]>(
            `SELECT column_name, data_type FROM information_schema.columns
             WHERE table_schema = 'evaluator' AND table_name = 'anomaly_state' ORDER BY ordinal_position`,
          )
        ).map((r) => `${r.column_name} ${r.data_type}`);
      expect(await columns()).toEqual([
        'detector character varying',
        'tenant_id character varying',
        'state jsonb',
        'saved_at timestamp with time zone',
      ]);
      const key = await db.dataSource.query<{ attname: string }[]>(
        `SELECT a.attname FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = '"evaluator"."anomaly_state"'::regclass AND i.indisprimary ORDER BY a.attnum`,
      );
      expect(key.map((k) => k.attname)).toEqual(['detector', 'tenant_id']);

      const migration = new EvaluatorAnomalyState1764000108700();
      await migration.down(runner);
      expect(await columns()).toEqual([]);
      await migration.up(runner);
      expect(await columns()).toHaveLength(4);
    } finally {
      await runner.release();
      await db.close();
    }
  });
});
