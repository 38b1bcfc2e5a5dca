import type { LoggerService } from '@nestjs/common';
import type { EventEnvelope } from '@lib/contracts';
import type { IncomingRecord } from './incoming-record';
import type { MessageProcessor } from './message-processor';

/**
 * What a handler locks for an event, as a key: two chunk transactions whose events share no lock key can
 * run at once without deadlocking each other. `undefined`: unknown, conflicts with everything.
 */
export type LockKeyOf = (event: EventEnvelope<unknown>) => string | undefined;

/** Batched delivery: how many records of one partition share a transaction and an offset commit. */
export interface BatchOptions {
  /** Records per chunk (one transaction, one offset commit). 1 means record by record. */
  readonly maxRecords: number;
  /** Chunk transactions of the transport running at once (default 1), see `TransactionLimiter`. */
  readonly concurrentTransactions?: number;
  /**
   * What the handlers lock per event (e.g. `conversationLockKey`). Chunk transactions run at once only when
   * their events' lock keys are disjoint; without it, one chunk transaction at a time.
   */
  readonly lockKey?: LockKeyOf;
}

export function resolveBatchOptions(
  options: BatchOptions,
): BatchOptions & { concurrentTransactions: number } {
  if (!Number.isInteger(options.maxRecords) || options.maxRecords < 1) {
    throw new Error(`batch.maxRecords must be a positive integer, got ${options.maxRecords}`);
  }
  const concurrent = options.concurrentTransactions ?? 1;
  if (!Number.isInteger(concurrent) || concurrent < 1) {
    throw new Error(`batch.concurrentTransactions must be a positive integer, got ${concurrent}`);
  }
  return { ...options, concurrentTransactions: concurrent };
}

/**
 * The lock key of this system's events: the conversation in `data.conversationId` (what persistence locks
 * for every event, tool events included, whose Kafka key is their tool-call id).
 */
export const conversationLockKey: LockKeyOf = (event) => {
  const data = event.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const id = (data as { conversationId?: unknown }).conversationId;
  return typeof id === 'string' ? `conversation:${id}` : undefined;
};

/** Splits a partition's records, in order, into consecutive chunks of at most `maxRecords`. */
export function chunkRecords<T>(records: readonly T[], maxRecords: number): T[][] {
  if (!Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new Error(`maxRecords must be a positive integer, got ${maxRecords}`);
  }
  const chunks: T[][] = [];
  for (let start = 0; start < records.length; start += maxRecords) {
    chunks.push(records.slice(start, start + maxRecords));
  }
  return chunks;
}

export interface ChunkDelivery {
  readonly processor: MessageProcessor;
  /** Consecutive records of ONE partition, in offset order. */
  readonly records: readonly IncomingRecord[];
  /** Aborts pending retries (record-by-record path) when the transport closes. */
  readonly signal?: AbortSignal;
  /**
   * Every record up to and including `last` is done: its effects are durable, or it was dead-lettered or
   * skipped. The transport commits the offset after `last` here.
   */
  readonly done: (last: IncomingRecord) => Promise<void>;
  /** True when the transport must stop here (closing, partition revoked): the rest stays uncommitted. */
  readonly stopped: () => boolean;
  /** Admits the chunk's transaction (see `TransactionLimiter`); none: at once. */
  readonly limiter?: TransactionLimiter;
  /** The lock key of an event (see `BatchOptions.lockKey`); none: every chunk conflicts with every other. */
  readonly lockKey?: LockKeyOf;
  readonly logger?: LoggerService;
}

export interface ChunkResult {
  /** `transaction`: one transaction, one commit. `records`: one by one (fallback, or a single record). */
  readonly path: 'transaction' | 'records';
  /** How many records (from the first) are done; fewer than the chunk when the transport stopped. */
  readonly done: number;
  /** Why the transaction was not used or rolled back, when `path` is `records` for a chunk of several. */
  readonly fallbackReason?: string;
}

/**
 * Delivers one chunk: first all its records in one transaction and one `done` (the fast path); if that
 * cannot be done (an invalid record, a handler error, a failed commit, a deadlock), the transaction has
 * rolled back (or was never opened) and the chunk is delivered again record by record through
 * `MessageProcessor.process`, with its retries and dead letters, `done` after each record, exactly as
 * without batching. Order within the partition is kept either way, and nothing is reported done before its
 * effects are durable.
 */
export async function deliverChunk(delivery: ChunkDelivery): Promise<ChunkResult> {
  const { processor, records, signal, done, stopped } = delivery;
  if (records.length === 0 || stopped()) return { path: 'records', done: 0 };
  let fallbackReason: string | undefined;
  if (records.length > 1 && processor.canProcessInTransaction) {
    const decoded = processor.decodeChunk(records);
    if ('invalid' in decoded) {
      fallbackReason = decoded.invalid;
    } else {
      const keys = lockKeys(decoded.envelopes, delivery.lockKey);
      // Waiting for its turn may take a while: the transport may have stopped in the meantime.
      const attempt = await (delivery.limiter ?? NO_LIMIT).run(keys, async () =>
        stopped() ? undefined : processor.processInTransaction(records, decoded),
      );
      if (!attempt) return { path: 'transaction', done: 0 };
      if (attempt.committed) {
        await done(records[records.length - 1]);
        return { path: 'transaction', done: records.length };
      }
      fallbackReason = attempt.reason;
    }
    delivery.logger?.warn(`a chunk of ${records.length} records goes record by record: ${fallbackReason}`);
  }
  let handled = 0;
  for (const record of records) {
    if (stopped()) break;
    const outcome = await processor.process(record, signal);
    if (outcome === 'aborted') break;
    await done(record);
    handled += 1;
  }
  return { path: 'records', done: handled, fallbackReason };
}

/** The lock keys of a chunk, or `all` when one of its events has none (or there is no lock key function). */
function lockKeys(events: readonly EventEnvelope<unknown>[], lockKey?: LockKeyOf): LockKeys {
  if (!lockKey) return 'all';
  const keys = new Set<string>();
  for (const event of events) {
    const key = lockKey(event);
    if (key === undefined) return 'all';
    keys.add(key);
  }
  return keys;
}

/** A chunk's lock keys; `all` conflicts with every other chunk. */
export type LockKeys = ReadonlySet<string> | 'all';

interface Waiter {
  readonly keys: LockKeys;
  readonly admit: () => void;
}

/** One admitted transaction (its own object, so that two `all` chunks are told apart). */
interface Admitted {
  readonly keys: LockKeys;
}

/**
 * Admits chunk transactions: at most `limit` at once, and never two whose lock keys intersect. A chunk
 * transaction keeps the locks of all its records until its COMMIT (persistence: the conversation of each
 * event), so two of them taking the same rows in different orders deadlock, and PostgreSQL breaks the
 * cycle only after `deadlock_timeout` (1 s by default). Admitting whole key sets at once rules that out
 * between the chunks of one transport (handlers that lock beyond their key can still deadlock: the chunk
 * then goes record by record). Waiters are served in arrival order among those that conflict: a waiting
 * chunk reserves its keys, so later chunks cannot starve it.
 */
export class TransactionLimiter {
  private readonly running = new Set<Admitted>();
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limit = 1) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`the transaction limit must be a positive integer, got ${limit}`);
    }
  }

  /** Chunk transactions running now. */
  get active(): number {
    return this.running.size;
  }

  async run<T>(keys: LockKeys, work: () => Promise<T>): Promise<T> {
    const admitted: Admitted = { keys };
    await new Promise<void>((resolve) => {
      this.waiting.push({
        keys,
        admit: () => {
          this.running.add(admitted);
          resolve();
        },
      });
      this.schedule();
    });
    try {
      return await work();
    } finally {
      this.running.delete(admitted);
      this.schedule();
    }
  }

  private schedule(): void {
    const taken: LockKeys[] = [...this.running].map((r) => r.keys);
    for (let i = 0; i < this.waiting.length;) {
      const waiter = this.waiting[i];
      const free = this.running.size < this.limit && !taken.some((held) => intersects(held, waiter.keys));
      // Admitted or not, its keys are taken for the waiters behind it.
      taken.push(waiter.keys);
      if (!free) {
        i += 1;
        continue;
      }
      this.waiting.splice(i, 1);
      waiter.admit();
    }
  }
}

function intersects(a: LockKeys, b: LockKeys): boolean {
  if (a === 'all' || b === 'all') return true;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const key of small) if (large.has(key)) return true;
  return false;
}

const NO_LIMIT = { run: <T>(_keys: LockKeys, work: () => Promise<T>): Promise<T> => work() };
