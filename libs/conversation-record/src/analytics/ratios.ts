import type { RepProgressRow } from './analytics.schema';

/**
 * Rounding shared by the analytics API and the seeder's expected answers, so both give the same numbers.
 * Rates and averages have 4 decimals.
 */

const SCALE = 10_000;

/** `numerator / denominator` rounded to 4 decimals (half up), or null when the denominator is 0. */
export function ratio(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  return Math.round((numerator * SCALE) / denominator) / SCALE;
}

/**
 * The average of `count` values whose sum is `sumMicros` millionths (PostgreSQL sums
 * `(score * 1000000)::bigint` exactly), rounded to 4 decimals half away from zero, in integer arithmetic:
 * exact for values with up to 6 decimals, and the same on both sides of the API.
 */
export function averageOfMicros(sumMicros: number, count: number): number | null {
  if (count === 0) return null;
  const divisor = 100 * count; // the average times 10^4 is sumMicros / (100 * count)
  const rounded = Math.floor((2 * Math.abs(sumMicros) + divisor) / (2 * divisor));
  return (Math.sign(sumMicros) * rounded) / SCALE || 0;
}

/** Code-point order (what the API sorts names by, independent of the database collation). */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Rows of the rep table: by period, then rep id (code points), conversations without a rep last. */
export function compareRepRows(a: RepProgressRow, b: RepProgressRow): number {
  if (a.bucketStart !== b.bucketStart) return byCodePoint(a.bucketStart, b.bucketStart);
  if (a.repId === b.repId) return 0;
  if (a.repId === null) return 1;
  if (b.repId === null) return -1;
  return byCodePoint(a.repId, b.repId);
}
