import { randomUUID } from 'node:crypto';
import {
  BurstDetector,
  defaultDetectorOptions,
  WindowShiftDetector,
  type Anomaly,
  type AnomalyDetector,
  type Sample,
} from './detectors';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-24T00:00:00Z');
const options = defaultDetectorOptions({ cooldownMs: 15 * MINUTE });

/** A deterministic stream of samples with random (uuid) conversation and turn ids. */
function samples(
  tenantId: string,
  from: number,
  count: number,
  value: (i: number) => number,
  stepMs = 10_000,
): Sample[] {
  return Array.from({ length: count }, (_, i) => ({
    tenantId,
    at: T0 + (from + i) * stepMs,
    value: value(from + i),
    conversationId: randomUUID(),
    turnId: randomUUID(),
  }));
}

function feed(detector: AnomalyDetector, stream: readonly Sample[]): { index: number; anomaly: Anomaly }[] {
  const found: { index: number; anomaly: Anomaly }[] = [];
  stream.forEach((sample, index) => {
    const anomaly = detector.observe(sample);
    if (anomaly) found.push({ index, anomaly });
  });
  return found;
}

/** Through JSON, as stored. */
const roundTrip = (detector: AnomalyDetector): unknown => JSON.parse(JSON.stringify(detector.snapshot()));

/** The anomaly without its example ids (a restored window has none for its restored samples). */
function withoutExamples(a: Anomaly): Omit<Anomaly, 'exampleConversationIds' | 'exampleTurnIds'> {
  const { exampleConversationIds: _c, exampleTurnIds: _t, ...rest } = a;
  return rest;
}

const errorRate = (i: number): number => (i % 20 === 0 ? 1 : 0);
const latency = (i: number): number => 800 + ((i * 37) % 400);

describe('detector snapshots', () => {
  it.each([
    ['error_rate_spike', () => new WindowShiftDetector(options.error_rate_spike), errorRate, () => 1],
    ['latency_p95_jump', () => new WindowShiftDetector(options.latency_p95_jump), latency, () => 5000],
    ['groundedness_drop', () => new WindowShiftDetector(options.groundedness_drop), () => 0.9, () => 0.2],
  ])('%s: a restored copy flags the same spike, with the same numbers', (_kind, create, healthy, spike) => {
    const warm = create();
    const tenants = ['tenant-a', 'tenant-b'];
    for (const tenantId of tenants) expect(feed(warm, samples(tenantId, 0, 400, healthy))).toEqual([]);
    const restored = create();
    expect(restored.restore(roundTrip(warm))).toEqual({ restored: 2, ignored: [] });
    expect(restored.snapshot()).toEqual(warm.snapshot());

    const outage = samples('tenant-a', 400, 60, spike);
    const expected = feed(warm, outage);
    const actual = feed(restored, outage);
    expect(expected.length).toBeGreaterThan(0);
    expect(actual.map((a) => a.index)).toEqual(expected.map((e) => e.index));
    expect(actual.map((a) => withoutExamples(a.anomaly))).toEqual(
      expected.map((e) => withoutExamples(e.anomaly)),
    );
    // The tipping sample is live: its ids are there; the examples are live samples only.
    const live = new Set(outage.map((s) => s.conversationId));
    for (const { index, anomaly } of actual) {
      expect(anomaly.conversationId).toBe(outage[index].conversationId);
      expect(anomaly.turnId).toBe(outage[index].turnId);
      expect(anomaly.exampleConversationIds.length).toBeGreaterThan(0);
      for (const id of anomaly.exampleConversationIds) expect(live.has(id)).toBe(true);
    }
    // The other tenant is restored too: the same state as the warm detector's.
    expect(restored.snapshot()).toEqual(warm.snapshot());
  });

  it('keeps an incident in progress: a restored detector does not raise its warning again', () => {
    const warm = new WindowShiftDetector(options.error_rate_spike);
    feed(warm, samples('tenant-a', 0, 300, errorRate));
    // 40% failures: a warning, not critical.
    const first = feed(
      warm,
      samples('tenant-a', 300, 30, (i) => (i % 5 < 2 ? 1 : 0)),
    );
    expect(first.map((f) => f.anomaly.severity)).toEqual(['warning']);
    const restored = new WindowShiftDetector(options.error_rate_spike);
    restored.restore(roundTrip(warm));
    const more = samples('tenant-a', 330, 30, (i) => (i % 5 < 2 ? 1 : 0));
    expect(feed(restored, more)).toEqual([]);
    // Then all failures: critical, on both at the same sample.
    const worse = samples('tenant-a', 360, 30, () => 1);
    feed(warm, more);
    const expected = feed(warm, worse);
    const actual = feed(restored, worse);
    expect(expected.map((e) => e.anomaly.severity)).toEqual(['critical']);
    expect(actual.map((a) => [a.index, withoutExamples(a.anomaly)])).toEqual(
      expected.map((e) => [e.index, withoutExamples(e.anomaly)]),
    );
  });

  it('burst: a restored copy flags the same burst, with the same numbers', () => {
    const o = options.crm_write_burst;
    const warm = new BurstDetector(o);
    // 2 proposals per 5-minute bucket for 24 hours, then half a bucket.
    expect(
      feed(
        warm,
        samples('tenant-a', 0, 24 * 24 + 1, () => 1, o.bucketMs / 2),
      ),
    ).toEqual([]);
    const restored = new BurstDetector(o);
    expect(restored.restore(roundTrip(warm))).toEqual({ restored: 1, ignored: [] });
    const start = T0 + (24 * 24 + 1) * (o.bucketMs / 2);
    const burst = Array.from({ length: 40 }, (_, i) => ({
      tenantId: 'tenant-a',
      at: start + i * 3000,
      value: 1,
      conversationId: randomUUID(),
      turnId: randomUUID(),
    }));
    const expected = feed(warm, burst);
    const actual = feed(restored, burst);
    expect(expected.map((e) => e.anomaly.severity)).toEqual(['warning', 'critical']);
    expect(actual.map((a) => [a.index, withoutExamples(a.anomaly)])).toEqual(
      expected.map((e) => [e.index, withoutExamples(e.anomaly)]),
    );
    const live = new Set<string>(burst.map((s) => s.conversationId));
    for (const { anomaly } of actual) {
      for (const id of anomaly.exampleConversationIds) expect(live.has(id)).toBe(true);
    }
  });

  it('holds no conversation or turn id', () => {
    const window = new WindowShiftDetector(options.error_rate_spike);
    const burst = new BurstDetector(options.crm_write_burst);
    const stream = samples('tenant-a', 0, 200, errorRate, 60_000);
    feed(window, stream);
    feed(burst, stream);
    const text = JSON.stringify([window.snapshot(), burst.snapshot()]);
    for (const s of stream) {
      expect(text).not.toContain(s.conversationId);
      expect(text).not.toContain(s.turnId!);
    }
    expect(text).not.toMatch(/conversation|turn/i);
  });

  it('ignores garbage and snapshots of other options, never throwing', () => {
    const warm = new WindowShiftDetector(options.error_rate_spike);
    feed(warm, samples('tenant-a', 0, 200, errorRate));
    const good = roundTrip(warm) as Record<string, Record<string, unknown>>;
    const state = good['tenant-a'];

    const detector = new WindowShiftDetector(options.error_rate_spike);
    for (const garbage of [null, undefined, 42, 'state', [], [state]]) {
      expect(detector.restore(garbage).restored).toBe(0);
    }
    const report = detector.restore({
      v2: { ...state, v: 2 },
      noIncident: { ...state, incident: undefined },
      nan: { ...state, baseline: [Number.NaN] },
      withIds: { ...state, recent: [{ at: 1, value: 0, conversationId: 'c' }] },
      otherWindow: { ...state, recentSize: 20 },
      otherKind: { ...state, kind: 'latency_p95_jump' },
      tooLong: { ...state, baseline: Array<number>(501).fill(0) },
      halfFull: { ...state, recent: [] },
      burst: new BurstDetector(options.crm_write_burst).snapshot(),
    });
    expect(report.restored).toBe(0);
    expect(report.ignored.map((i) => i.tenantId)).toEqual([
      'v2',
      'noIncident',
      'nan',
      'withIds',
      'otherWindow',
      'otherKind',
      'tooLong',
      'halfFull',
      'burst',
    ]);
    expect(report.ignored.find((i) => i.tenantId === 'otherWindow')?.reason).toMatch(/other options/);
    expect(detector.snapshot()).toEqual({});

    const burst = new BurstDetector(options.crm_write_burst);
    expect(burst.restore(good)).toMatchObject({ restored: 0, ignored: [{ tenantId: 'tenant-a' }] });
    expect(
      burst.restore({
        t: { ...(roundTrip(burst) as Record<string, unknown>), v: 1 },
      }).restored,
    ).toBe(0);
    expect(burst.snapshot()).toEqual({});
  });
});
