import { AsyncResource } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import { deadLetterTopic, type KafkaRecord } from '@lib/contracts';
import type { TombstoneRecord } from '../delivery';

/** A record as stored by the bus: a Kafka record (or a tombstone: no value) with its position. */
export interface BusRecord {
  readonly key: string;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
}

/**
 * Processes one record. Resolves `true` when it is done (the group's position moves past it), `false` when
 * the consumer is closing and the record must stay for the next member of the group.
 */
export type BusDelivery = (record: BusRecord) => Promise<boolean>;

export interface BusSubscription {
  /** Stops delivering new records and waits (at most `timeoutMs`) for those in flight. */
  close(timeoutMs?: number): Promise<void>;
}

export interface InProcessEventBusOptions {
  /** Partitions per topic: records are spread by key hash, and each partition is delivered in order. */
  readonly partitions?: number;
  /** Records kept per partition (for groups that subscribe later or lag behind). */
  readonly retention?: number;
}

class PartitionLog {
  /** Offset of records[0]: older records were trimmed. */
  start = 0;
  readonly records: BusRecord[] = [];

  get end(): number {
    return this.start + this.records.length;
  }
}

interface Member {
  readonly deliver: BusDelivery;
  readonly topics: ReadonlySet<string>;
}

interface Group {
  member?: Member;
  /** Next offset to deliver, per topic and partition: the group's committed position. */
  readonly positions: Map<string, number[]>;
  /** Running delivery loops, one per topic/partition at most: per-key order holds. */
  readonly pumps: Map<string, Promise<void>>;
}

const DEFAULT_PARTITIONS = 3;
const DEFAULT_RETENTION = 10_000;
const REDELIVERY_DELAY_MS = 1000;

/**
 * The in-process stand-in for Kafka, shared by every service of the embedded mode: topics with
 * partitions, consumer groups that each get every record of their topics, per-partition order, positions
 * that only move once a record is done, dead-letter topics. Not durable: it lives and dies with the process.
 *
 * Deliveries run outside the publisher's async context: a publisher may be inside another service's
 * database transaction (AsyncLocalStorage), which a handler must never join. The bus captures the async
 * context it was constructed in (construct it at boot, outside any request or transaction) and starts every
 * delivery loop there.
 */
export class InProcessEventBus {
  private readonly logger = new Logger('InProcessEventBus');
  private readonly partitionCount: number;
  private readonly retention: number;
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  private readonly detached = new AsyncResource('InProcessEventBus');

  constructor(options: InProcessEventBusOptions = {}) {
    this.partitionCount = options.partitions ?? DEFAULT_PARTITIONS;
    this.retention = options.retention ?? DEFAULT_RETENTION;
    if (!Number.isInteger(this.partitionCount) || this.partitionCount < 1) {
      throw new Error(`partitions must be a positive integer, got ${this.partitionCount}`);
    }
  }

  get partitions(): number {
    return this.partitionCount;
  }

  /** Appends records to a topic and schedules their delivery. Resolves once they are queued. */
  async send(topic: string, records: readonly (KafkaRecord | TombstoneRecord)[]): Promise<void> {
    const logs = this.topicLogs(topic);
    for (const record of records) {
      const partition = partitionOf(record.key, this.partitionCount);
      const log = logs[partition];
      log.records.push({
        topic,
        partition,
        offset: log.end,
        timestamp: Date.now(),
        key: record.key,
        value: record.value === null ? null : Buffer.from(record.value),
        headers: { ...record.headers },
      });
      if (log.records.length > this.retention) {
        log.records.shift();
        log.start += 1;
      }
    }
    for (const [groupId, group] of this.groups) {
      if (group.member?.topics.has(topic)) {
        for (let p = 0; p < this.partitionCount; p++) this.kick(groupId, group, topic, p);
      }
    }
  }

  /**
   * Joins a consumer group (one member per group in-process). A new group starts at the oldest retained
   * record when `fromBeginning`, at the end otherwise; a group that existed before resumes where it stopped.
   */
  subscribe(
    groupId: string,
    topics: readonly string[],
    deliver: BusDelivery,
    options: { fromBeginning: boolean },
  ): BusSubscription {
    const group: Group = this.groups.get(groupId) ?? { positions: new Map(), pumps: new Map() };
    if (group.member) throw new Error(`consumer group ${groupId} already has a member in this process`);
    this.groups.set(groupId, group);
    for (const topic of topics) {
      if (!group.positions.has(topic)) {
        const logs = this.topicLogs(topic);
        group.positions.set(
          topic,
          logs.map((log) => (options.fromBeginning ? log.start : log.end)),
        );
      }
    }
    const member: Member = { deliver, topics: new Set(topics) };
    group.member = member;
    for (const topic of topics)
      for (let p = 0; p < this.partitionCount; p++) this.kick(groupId, group, topic, p);
    return {
      close: async (timeoutMs = 10_000) => {
        if (group.member === member) group.member = undefined;
        await withTimeout(Promise.all(group.pumps.values()), timeoutMs);
      },
    };
  }

  /** Records dead-lettered from `topic` (or read from a `.dlq` topic directly), oldest first. */
  deadLetters(topic: string): BusRecord[] {
    const name = topic.endsWith('.dlq') ? topic : deadLetterTopic(topic);
    return this.records(name);
  }

  /** Every retained record of a topic, oldest first. */
  records(topic: string): BusRecord[] {
    const logs = this.topics.get(topic) ?? [];
    return logs.flatMap((log) => log.records).sort((a, b) => a.timestamp - b.timestamp);
  }

  /** Resolves when every subscribed group has processed every record of its topics (for tests). */
  async drain(): Promise<void> {
    for (;;) {
      const running = [...this.groups.values()].flatMap((g) => [...g.pumps.values()]);
      if (running.length > 0) {
        await Promise.all(running);
        continue;
      }
      if (!this.hasPending()) return;
      // Something is pending with no loop running: a redelivery is scheduled.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Stops every group and waits for deliveries in flight. */
  async close(timeoutMs = 10_000): Promise<void> {
    for (const group of this.groups.values()) group.member = undefined;
    const running = [...this.groups.values()].flatMap((g) => [...g.pumps.values()]);
    await withTimeout(Promise.all(running), timeoutMs);
  }

  private hasPending(): boolean {
    for (const group of this.groups.values()) {
      if (!group.member) continue;
      for (const topic of group.member.topics) {
        const positions = group.positions.get(topic) ?? [];
        const logs = this.topicLogs(topic);
        if (logs.some((log, p) => (positions[p] ?? 0) < log.end)) return true;
      }
    }
    return false;
  }

  private topicLogs(topic: string): PartitionLog[] {
    let logs = this.topics.get(topic);
    if (!logs) {
      logs = Array.from({ length: this.partitionCount }, () => new PartitionLog());
      this.topics.set(topic, logs);
    }
    return logs;
  }

  private kick(groupId: string, group: Group, topic: string, partition: number): void {
    const pumpKey = `${topic}/${partition}`;
    if (group.pumps.has(pumpKey)) return; // the running loop picks the new records up
    // Started in the bus's own async context, never the publisher's (see the class comment).
    const pump = this.detached.runInAsyncScope(() => this.pump(groupId, group, topic, partition));
    group.pumps.set(pumpKey, pump);
    void pump.finally(() => {
      if (group.pumps.get(pumpKey) === pump) group.pumps.delete(pumpKey);
    });
  }

  private async pump(groupId: string, group: Group, topic: string, partition: number): Promise<void> {
    // Let the publisher's call return first: delivery is asynchronous, like Kafka.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const log = this.topicLogs(topic)[partition];
    const positions = group.positions.get(topic);
    if (!positions) return;
    for (;;) {
      const member = group.member;
      if (!member?.topics.has(topic)) return;
      if (positions[partition] < log.start) {
        this.logger.warn(
          `${groupId} lagged behind the retention of ${topic}[${partition}]: ` +
            `${log.start - positions[partition]} record(s) skipped`,
        );
        positions[partition] = log.start;
      }
      const record = log.records[positions[partition] - log.start];
      if (!record) return;
      let done: boolean;
      try {
        done = await member.deliver(record);
      } catch (error) {
        // Only dead-lettering itself can fail here: keep the record and try again shortly.
        this.logger.error(
          `${groupId}: delivery of ${topic}[${partition}]@${record.offset} failed: ${String(error)}`,
        );
        this.scheduleRedelivery(groupId, group, topic, partition);
        return;
      }
      if (!done) {
        // The member left mid-delivery; if another one joined meanwhile, it takes over from this record.
        if (group.member && group.member !== member) continue;
        return;
      }
      positions[partition] += 1;
    }
  }

  private scheduleRedelivery(groupId: string, group: Group, topic: string, partition: number): void {
    const timer = setTimeout(() => {
      if (group.member) this.kick(groupId, group, topic, partition);
    }, REDELIVERY_DELAY_MS);
    timer.unref();
  }
}

/** FNV-1a over the key: a stable partition per key, so one conversation's events stay in order. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

async function withTimeout(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([work.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
