import {
  BurstDetector,
  defaultDetectorOptions,
  poissonThreshold,
  quantile,
  satisfactionOf,
  WindowShiftDetector,
  type Anomaly,
  type AnomalyDetector,
  type Sample,
} from './detectors';

/** mulberry32: a small seeded PRNG, so the noise is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const MINUTE = 60_000;
const COOLDOWN = 15 * MINUTE;
const T0 = Date.parse('2026-11-24T00:00:00Z');
const options = defaultDetectorOptions({ cooldownMs: COOLDOWN });

/** Feeds `count` samples (one every `stepMs`), returning the anomalies with the index of the tipping sample. */
class Stream {
  private index = 0;
  private at = T0;
  readonly anomalies: { index: number; anomaly: Anomaly }[] = [];

  constructor(
    private readonly detector: AnomalyDetector,
    private readonly tenantId = 'tenant-a',
  ) {}

  feed(count: number, value: () => number, stepMs = 10_000): { index: number; anomaly: Anomaly }[] {
    const found: { index: number; anomaly: Anomaly }[] = [];
    for (let i = 0; i < count; i++) {
      this.at += stepMs;
      const sample: Sample = {
        tenantId: this.tenantId,
        at: this.at,
        value: value(),
        conversationId: `c-${this.index % 97}`,
        turnId: `t-${this.index}`,
      };
      const anomaly = this.detector.observe(sample);
      if (anomaly) found.push({ index: i, anomaly });
      this.index += 1;
    }
    this.anomalies.push(...found);
    return found;
  }
}

const bernoulli = (random: () => number, p: number) => () => (random() < p ? 1 : 0);
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

describe('WindowShiftDetector: error_rate_spike', () => {
  it('stays silent on 5000 outcomes with a steady 5% error rate', () => {
    const stream = new Stream(new WindowShiftDetector(options.error_rate_spike));
    expect(stream.feed(5000, bernoulli(prng(1), 0.05))).toEqual([]);
  });

  it('flags a jump to 60% failures within 30 events, once per severity, with evidence', () => {
    const random = prng(2);
    const stream = new Stream(new WindowShiftDetector(options.error_rate_spike));
    expect(stream.feed(1000, bernoulli(random, 0.05))).toEqual([]);
    const spike = stream.feed(200, bernoulli(random, 0.6));
    expect(spike.length).toBeGreaterThanOrEqual(1);
    expect(spike[0].index).toBeLessThan(30);
    const first = spike[0].anomaly;
    expect(first).toMatchObject({
      kind: 'error_rate_spike',
      tenantId: 'tenant-a',
      statistic: 'mean',
      sampleCount: 30,
      baselineCount: 500,
    });
    expect(first.baseline).toBeLessThan(0.1);
    expect(first.current).toBeGreaterThanOrEqual(first.threshold);
    expect(first.exampleConversationIds.length).toBeGreaterThan(0);
    expect(first.exampleTurnIds[0]).toBe(first.turnId);
    // One incident: at most a warning then a critical, never the same severity twice.
    const severities = spike.map((s) => s.anomaly.severity);
    expect(new Set(severities).size).toBe(severities.length);
    expect(severities).toContain('critical');
  });

  it('after recovery and the cooldown, a new incident raises a new alert; within the cooldown it does not', () => {
    const random = prng(3);
    const stream = new Stream(new WindowShiftDetector(options.error_rate_spike));
    stream.feed(1000, bernoulli(random, 0.05));
    expect(stream.feed(40, () => 1).length).toBeGreaterThan(0);
    // Back to normal for 5 minutes (30 events, 10 s apart): recovered, but a new outage within the cooldown
    // (15 events = 2.5 minutes) raises nothing.
    expect(stream.feed(30, bernoulli(random, 0.05))).toEqual([]);
    expect(stream.feed(15, () => 1)).toEqual([]);
    // Normal for an hour, then a new outage: a new alert, with a later window.
    expect(stream.feed(360, bernoulli(random, 0.05))).toEqual([]);
    const again = stream.feed(40, () => 1);
    expect(again.length).toBeGreaterThan(0);
    expect(again[0].anomaly.windowStart).toBeGreaterThan(stream.anomalies[0].anomaly.windowStart);
  });

  it('needs a baseline first, keeps tenants apart, and is deterministic', () => {
    const detector = new WindowShiftDetector(options.error_rate_spike);
    // A new tenant failing from its first turn: not enough baseline, nothing.
    expect(new Stream(detector, 'tenant-new').feed(120, () => 1)).toEqual([]);
    const run = () => {
      const d = new WindowShiftDetector(options.error_rate_spike);
      const random = prng(4);
      const a = new Stream(d, 'tenant-a');
      const b = new Stream(d, 'tenant-b');
      a.feed(600, bernoulli(random, 0.05));
      b.feed(600, bernoulli(random, 0.05));
      b.feed(60, () => 1);
      return { a: a.feed(200, bernoulli(random, 0.05)), b: b.anomalies };
    };
    const first = run();
    expect(first.a).toEqual([]);
    expect(first.b.length).toBeGreaterThan(0);
    expect(first.b.every((x) => x.anomaly.tenantId === 'tenant-b')).toBe(true);
    expect(run()).toEqual(first);
  });
});

describe('WindowShiftDetector: latency_p95_jump', () => {
  const latency = (random: () => number, medianMs: number) => () =>
    medianMs * Math.exp(0.35 * normal(random));

  it('stays silent on 5000 log-normal latencies', () => {
    const stream = new Stream(new WindowShiftDetector(options.latency_p95_jump));
    expect(stream.feed(5000, latency(prng(5), 800))).toEqual([]);
  });

  it('flags a 4x slower median within 10 events (p95 of 50 = the 3rd highest)', () => {
    const random = prng(6);
    const stream = new Stream(new WindowShiftDetector(options.latency_p95_jump));
    stream.feed(1000, latency(random, 800));
    const spike = stream.feed(100, latency(random, 3200));
    expect(spike[0].index).toBeLessThan(10);
    expect(spike[0].anomaly).toMatchObject({ kind: 'latency_p95_jump', statistic: 'p95', sampleCount: 50 });
    expect(spike[0].anomaly.current).toBeGreaterThanOrEqual(2 * spike[0].anomaly.baseline);
  });
});

describe('WindowShiftDetector: groundedness_drop and satisfaction_drop', () => {
  it('groundedness: silent on 5000 noisy scores, flags a drop from 0.9 to 0.5 within 20 events', () => {
    const random = prng(7);
    const score = (mean: number) => () => clamp01(mean + 0.1 * normal(random));
    const stream = new Stream(new WindowShiftDetector(options.groundedness_drop));
    expect(stream.feed(5000, score(0.9))).toEqual([]);
    const drop = stream.feed(100, score(0.5));
    expect(drop[0].index).toBeLessThan(20);
    expect(drop[0].anomaly).toMatchObject({ kind: 'groundedness_drop', severity: 'warning' });
    expect(drop[0].anomaly.current).toBeLessThanOrEqual(drop[0].anomaly.threshold);
    expect(drop.filter((d) => d.anomaly.severity === 'warning')).toHaveLength(1);
  });

  it('satisfaction: silent on 3000 mixed ratings and thumbs, flags a fall to mostly thumbs down within 20', () => {
    const random = prng(8);
    const feedback = (pGood: number) => () => {
      const good = random() < pGood;
      if (random() < 0.5) return satisfactionOf({ thumbs: good ? 'up' : 'down' })!;
      return satisfactionOf({ rating: good ? 4 + Math.floor(random() * 2) : 1 + Math.floor(random() * 2) })!;
    };
    const stream = new Stream(new WindowShiftDetector(options.satisfaction_drop), 'tenant-s');
    expect(stream.feed(3000, feedback(0.8), 60_000)).toEqual([]);
    const drop = stream.feed(60, feedback(0.2), 60_000);
    expect(drop[0].index).toBeLessThan(20);
    expect(drop[0].anomaly.kind).toBe('satisfaction_drop');
  });

  it('maps feedback to satisfaction', () => {
    expect(satisfactionOf({ rating: 5 })).toBe(1);
    expect(satisfactionOf({ rating: 1 })).toBe(0);
    expect(satisfactionOf({ rating: 3, thumbs: 'down' })).toBe(0.5);
    expect(satisfactionOf({ thumbs: 'up' })).toBe(1);
    expect(satisfactionOf({})).toBeUndefined();
  });
});

describe('BurstDetector: crm_write_burst', () => {
  /** Poisson arrivals: exponential gaps with `perBucket` events per 5 minutes on average. */
  const poisson = (random: () => number, perBucket: number) => () =>
    Math.max(1, Math.round((-Math.log(Math.max(random(), 1e-12)) * 5 * MINUTE) / perBucket));

  function feedArrivals(detector: BurstDetector, count: number, gap: () => number, start: { at: number }) {
    const found: { index: number; anomaly: Anomaly }[] = [];
    for (let i = 0; i < count; i++) {
      start.at += gap();
      const anomaly = detector.observe({
        tenantId: 'tenant-a',
        at: start.at,
        value: 1,
        conversationId: `c-${i % 13}`,
        turnId: `t-${i}`,
      });
      if (anomaly) found.push({ index: i, anomaly });
    }
    return found;
  }

  it('stays silent on 3000 proposals arriving at a steady 2 per 5 minutes', () => {
    const detector = new BurstDetector(options.crm_write_burst);
    expect(feedArrivals(detector, 3000, poisson(prng(9), 2), { at: T0 })).toEqual([]);
  });

  it('flags 40 proposals in 2 minutes within the threshold count, once per severity, again after recovery', () => {
    const random = prng(10);
    const detector = new BurstDetector(options.crm_write_burst);
    const clock = { at: T0 };
    feedArrivals(detector, 300, poisson(random, 2), clock);
    const threshold = Math.max(10, poissonThreshold(2, 1e-6));
    const burst = feedArrivals(detector, 40, () => 3_000, clock);
    // Warning at the threshold, critical at twice the threshold.
    expect(burst.map((b) => b.anomaly.severity)).toEqual(['warning', 'critical']);
    expect(burst[0].index).toBeLessThan(threshold);
    expect(burst[0].anomaly).toMatchObject({
      kind: 'crm_write_burst',
      statistic: 'count',
      severity: 'warning',
    });
    expect(burst[0].anomaly.current).toBeGreaterThanOrEqual(burst[0].anomaly.threshold);
    expect(burst[0].anomaly.windowStart % (5 * MINUTE)).toBe(0);
    // Quiet again for a while, then another burst: a second alert.
    expect(feedArrivals(detector, 100, poisson(random, 2), clock)).toEqual([]);
    expect(feedArrivals(detector, 40, () => 3_000, clock)).toHaveLength(2);
  });
});

describe('helpers', () => {
  it('quantile is nearest-rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.95)).toBe(95);
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
  });

  it('poissonThreshold gives the first count improbable under the mean', () => {
    expect(poissonThreshold(0, 1e-6)).toBe(1);
    // P(X >= 12 | 2) ≈ 1.6e-6 and P(X >= 13 | 2) ≈ 2.6e-7.
    expect(poissonThreshold(2, 1e-6)).toBe(13);
  });
});
