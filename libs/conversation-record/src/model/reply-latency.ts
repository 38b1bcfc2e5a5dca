import type { ReplyGeneratedData } from '@lib/contracts';

/** Largest value of a PostgreSQL `integer`. */
const MAX_INT = 2_147_483_647;

/**
 * Milliseconds from the turn's receipt to the generated reply, as stored in `replies.latency_ms`.
 * Both times come from different services, so clock skew can make the difference negative: that reads
 * as 0, not as a reply before its question. Bounded to the column's range so a bogus time never makes the
 * reply unstorable.
 */
export function replyLatencyMs(data: Pick<ReplyGeneratedData, 'generatedAt' | 'timing'>): number {
  const ms = Date.parse(data.generatedAt) - Date.parse(data.timing.turnReceivedAt);
  return Math.min(MAX_INT, Math.max(0, Math.round(ms)));
}
