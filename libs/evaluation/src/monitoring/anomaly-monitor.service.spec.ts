import { AlertRaised, newId, TurnFailed, type EventData, type EventDefinition } from '@lib/contracts';
import type { UnitOfWork } from '@lib/database';
import { createEnvelope, EventPublisher, type PublishOptions } from '@lib/messaging';
import { AnomalyAlertIds, AnomalyMonitor } from './anomaly-monitor.service';

class RecordingPublisher extends EventPublisher {
  readonly published: { type: string; data: Record<string, unknown>; options: PublishOptions }[] = [];
  async publish<D extends EventDefinition>(definition: D, data: EventData<D>, options: PublishOptions) {
    const envelope = createEnvelope(definition, data, options, 'test');
    this.published.push({ type: definition.type, data: data as Record<string, unknown>, options });
    return Promise.resolve(envelope);
  }
}

const T0 = Date.parse('2026-11-24T08:00:00Z');

function failure(n: number, failed: boolean, tenantId = 'tenant-a') {
  const conversationId = newId();
  const turnId = newId();
  const at = new Date(T0 + n * 10_000).toISOString();
  return {
    event: createEnvelope(
      TurnFailed,
      { conversationId, turnId, reason: { code: 'model_unavailable', message: 'down' }, failedAt: at },
      { tenantId },
      'orchestrator',
    ),
    sample: { at: Date.parse(at), value: failed ? 1 : 0, conversationId, turnId },
  };
}

describe('AnomalyMonitor', () => {
  it('publishes a tenant-scoped alert with evidence and deterministic ids; a retried event republishes it', async () => {
    const publisher = new RecordingPublisher();
    const monitor = new AnomalyMonitor(publisher, {
      anomalyDetection: true,
      cooldownMs: 900_000,
      stateSaveMs: 0,
    });
    let n = 0;
    for (; n < 200; n++) {
      const { event, sample } = failure(n, n % 20 === 0);
      await monitor.observe('error_rate_spike', event, sample);
    }
    expect(publisher.published).toEqual([]);
    let tipping: ReturnType<typeof failure> | undefined;
    for (; n < 260 && !tipping; n++) {
      const f = failure(n, true);
      if (await monitor.observe('error_rate_spike', f.event, f.sample)) tipping = f;
    }
    expect(tipping).toBeDefined();
    expect(publisher.published).toHaveLength(1);
    const [first] = publisher.published;
    expect(first.type).toBe(AlertRaised.type);
    expect(first.data).toMatchObject({
      kind: 'error_rate_spike',
      scope: 'tenant',
      severity: 'warning',
      conversationId: tipping!.sample.conversationId,
      turnId: tipping!.sample.turnId,
      raisedAt: tipping!.event.data.failedAt,
      evidence: { scope: 'tenant', statistic: 'mean', window: { sampleCount: 30 }, baselineCount: n - 30 },
    });
    expect(first.options).toMatchObject({
      tenantId: 'tenant-a',
      id: AnomalyAlertIds.alertEvent(first.data.alertId as string),
    });
    expect(String(first.data.message)).toMatch(
      /^Error rate 0\.3\d* over the last 30 turns, against a baseline of 0\.05 \(threshold 0\.3\)\.$/,
    );
    // The same event again (a handler retried after its transaction failed): the same alert, same ids.
    await monitor.observe('error_rate_spike', tipping!.event, tipping!.sample);
    expect(publisher.published).toHaveLength(2);
    expect(publisher.published[1].data).toEqual(first.data);
    expect(publisher.published[1].options.id).toBe(first.options.id);
  });

  it('does nothing when disabled', async () => {
    const publisher = new RecordingPublisher();
    const monitor = new AnomalyMonitor(publisher, { anomalyDetection: false, cooldownMs: 0, stateSaveMs: 0 });
    for (let n = 0; n < 300; n++) {
      const { event, sample } = failure(n, n >= 150);
      expect(await monitor.observe('error_rate_spike', event, sample)).toBeUndefined();
    }
    expect(publisher.published).toEqual([]);
  });

  describe('state persistence', () => {
    /** A unit of work whose queries go to `query` (the repository's SQL is covered by the integration test). */
    function fakeUow(query: (sql: string) => Promise<unknown>): UnitOfWork {
      const manager = { query };
      return {
        manager,
        run: (work: (m: typeof manager) => Promise<unknown>) => work(manager),
      } as unknown as UnitOfWork;
    }

    const feedSome = async (monitor: AnomalyMonitor): Promise<void> => {
      for (let n = 0; n < 5; n++) {
        const { event, sample } = failure(n, false);
        await monitor.observe('error_rate_spike', event, sample);
      }
    };

    afterEach(() => jest.useRealTimers());

    it('logs a failed load or save, never throws', async () => {
      const uow = fakeUow(() => Promise.reject(new Error('database down')));
      const config = { anomalyDetection: true, cooldownMs: 0, stateSaveMs: 0 };
      const monitor = new AnomalyMonitor(new RecordingPublisher(), config, uow);
      await expect(monitor.onApplicationBootstrap()).resolves.toBeUndefined();
      await feedSome(monitor);
      await expect(monitor.saveState()).resolves.toBe(false);
      await expect(monitor.beforeApplicationShutdown()).resolves.toBeUndefined();
    });

    it('does nothing with the database when disabled', async () => {
      const query = jest.fn(() => Promise.resolve([]));
      const config = { anomalyDetection: false, cooldownMs: 0, stateSaveMs: 1000 };
      const monitor = new AnomalyMonitor(new RecordingPublisher(), config, fakeUow(query));
      jest.useFakeTimers();
      await monitor.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(5000);
      await monitor.beforeApplicationShutdown();
      expect(query).not.toHaveBeenCalled();
    });

    it('saves periodically, one save at a time, and once more at shutdown', async () => {
      const pending: (() => void)[] = [];
      const statements: string[] = [];
      const query = jest.fn((sql: string) => {
        statements.push(sql.trim().split(/\s/)[0]);
        if (sql.trim().startsWith('SELECT')) return Promise.resolve([]);
        return new Promise<unknown>((resolve) => pending.push(() => resolve([])));
      });
      const config = { anomalyDetection: true, cooldownMs: 0, stateSaveMs: 1000 };
      const monitor = new AnomalyMonitor(new RecordingPublisher(), config, fakeUow(query));
      jest.useFakeTimers();
      await monitor.onApplicationBootstrap();
      expect(statements).toEqual(['SELECT']);
      await feedSome(monitor);
      await jest.advanceTimersByTimeAsync(1000);
      expect(statements).toEqual(['SELECT', 'INSERT']);
      // The first save hangs: the next periods skip.
      await jest.advanceTimersByTimeAsync(3000);
      expect(statements).toEqual(['SELECT', 'INSERT']);
      pending.shift()!();
      await jest.advanceTimersByTimeAsync(1000);
      expect(statements).toEqual(['SELECT', 'INSERT', 'INSERT']);
      pending.shift()!();
      // Shutdown: the timer stops, one last save.
      const shutdown = monitor.beforeApplicationShutdown();
      await jest.advanceTimersByTimeAsync(0);
      expect(statements).toEqual(['SELECT', 'INSERT', 'INSERT', 'INSERT']);
      pending.shift()!();
      await shutdown;
      await jest.advanceTimersByTimeAsync(5000);
      expect(statements).toHaveLength(4);
    });
  });
});
