import {
  AnalyticsRangeQuery,
  ConversationSearchQuery,
  DEFAULT_RANGE_DAYS,
  RepProgressQuery,
} from './analytics.schema';
import { averageOfMicros, compareRepRows, ratio } from './ratios';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';

describe('ratio and averageOfMicros', () => {
  it('rounds rates to 4 decimals, null without a denominator', () => {
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(2, 3)).toBe(0.6667);
    expect(ratio(1, 20000)).toBe(0.0001); // exactly half: up
    expect(ratio(0, 5)).toBe(0);
    expect(ratio(3, 0)).toBeNull();
  });

  it('averages exactly, half away from zero like PostgreSQL numeric round', () => {
    expect(averageOfMicros(370000 + 380000, 2)).toBe(0.375);
    expect(averageOfMicros(1, 2)).toBe(0); // 0.0000005
    expect(averageOfMicros(100, 2)).toBe(0.0001); // 0.00005: away from zero
    expect(averageOfMicros(-100, 2)).toBe(-0.0001);
    expect(averageOfMicros(-99, 2)).toBe(0); // never -0
    expect(averageOfMicros(-250_000 * 3, 3)).toBe(-0.25);
    expect(averageOfMicros(0, 0)).toBeNull();
  });

  it('orders rep rows by period, then rep, without a rep last', () => {
    const row = (bucketStart: string, repId: string | null) =>
      ({ bucketStart, repId }) as Parameters<typeof compareRepRows>[0];
    const rows = [
      row('2025-02-03', null),
      row('2025-02-03', 'rep-10'),
      row('2025-01-27', 'rep-02'),
      row('2025-02-03', 'rep-02'),
    ];
    expect(rows.sort(compareRepRows).map((r) => `${r.bucketStart} ${r.repId}`)).toEqual([
      '2025-01-27 rep-02',
      '2025-02-03 rep-02',
      '2025-02-03 rep-10',
      '2025-02-03 null',
    ]);
  });
});

describe('search cursor', () => {
  it('round-trips a position and rejects anything else', () => {
    const position = { startedAt: '2025-02-03T10:11:12.123456', id: '0195f3a0-0000-7000-8000-000000000001' };
    expect(decodeSearchCursor(encodeSearchCursor(position))).toEqual(position);
    for (const bad of [
      'not-a-cursor',
      '',
      Buffer.from('["2025-13-45T10:11:12.123456","0195f3a0-0000-7000-8000-000000000001"]').toString(
        'base64url',
      ),
      Buffer.from('["2025-02-03T10:11:12","0195f3a0-0000-7000-8000-000000000001"]').toString('base64url'),
      Buffer.from('["2025-02-03T10:11:12.123456","x"]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
    ]) {
      expect(decodeSearchCursor(bad)).toBeUndefined();
    }
  });
});

describe('query schemas', () => {
  it('defaults the range to the last 30 days, and `to` to 30 days after `from`', () => {
    const before = Date.now();
    const query = AnalyticsRangeQuery.parse({});
    expect(query.to.getTime()).toBeGreaterThanOrEqual(before);
    expect(query.to.getTime() - query.from.getTime()).toBe(DEFAULT_RANGE_DAYS * 86_400_000);
    const from = AnalyticsRangeQuery.parse({ from: '2025-01-01' });
    expect(from.to.toISOString()).toBe('2025-01-31T00:00:00.000Z');
    expect(RepProgressQuery.parse({}).bucket).toBe('week');
  });

  it('takes dates (UTC midnight) and date-times with offsets', () => {
    const query = AnalyticsRangeQuery.parse({ from: '2025-01-01', to: '2025-01-02T01:00:00+02:00' });
    expect(query.from.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(query.to.toISOString()).toBe('2025-01-01T23:00:00.000Z');
  });

  it('names the parameter of each problem', () => {
    const fields = (input: unknown) => {
      const result = ConversationSearchQuery.safeParse(input);
      return result.success
        ? []
        : result.error.issues.map((i) => (i.path.length ? i.path.join('.') : 'keys'));
    };
    expect(fields({ limit: '0' })).toEqual(['limit']);
    expect(fields({ from: '2025-02-01', to: '2025-01-01' })).toEqual(['from']);
    expect(fields({ q: '   ' })).toEqual(['q']);
    expect(fields({ unknown: '1' })).toEqual(['keys']);
    expect(
      AnalyticsRangeQuery.safeParse({ from: '2024-01-01', to: '2025-06-01' }).error?.issues[0].path,
    ).toEqual(['from']);
  });
});
