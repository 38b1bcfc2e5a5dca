import { Logger } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { toKafkaRecord, type EventDefinition, type EventEnvelope, type KafkaRecord } from '@lib/contracts';
import { RecordSink, TransactionalOutbox } from '@lib/messaging';
import { schemaOf } from './data-source';
import type { UnitOfWork } from './unit-of-work';

interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  headers: Record<string, string>;
  value: string;
}

/**
 * Transactional outbox in PostgreSQL. Events published inside a unit of work are stored with its effects
 * and sent by the relay after commit, in order. If the process dies first, the relay sends them on the next
 * start (poll), so an emitted event is never lost and never emitted without its effects.
 */
export class PostgresOutbox extends TransactionalOutbox {
  private readonly logger = new Logger(PostgresOutbox.name);
  private readonly table: string;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private pending = false;
  private stopped = false;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly sink: RecordSink,
    private readonly pollIntervalMs = 1000,
    private readonly batchSize = 100,
  ) {
    super();
    this.table = `"${schemaOf(uow.dataSource)}"."outbox"`;
  }

  async enqueue(definition: EventDefinition, envelope: EventEnvelope<unknown>): Promise<boolean> {
    if (!this.uow.isActive) return false;
    const record = toKafkaRecord(definition, envelope);
    await this.uow.manager.query(
      `INSERT INTO ${this.table} ("event_id", "topic", "key", "headers", "value") VALUES ($1, $2, $3, $4, $5)`,
      [
        envelope.id,
        definition.topic.name,
        record.key,
        JSON.stringify(record.headers),
        record.value.toString('utf8'),
      ],
    );
    this.uow.afterCommit(() => this.kick());
    return true;
  }

  /** Starts the background poll that sends what a crashed predecessor left behind. */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops polling and waits for the send in progress: in-flight events are not abandoned halfway. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.drain();
  }

  /** Sends everything pending now; resolves when the outbox is empty (or the sink failed). */
  async drain(): Promise<void> {
    this.kick();
    while (this.draining) await this.draining;
  }

  private kick(): void {
    if (this.draining) {
      this.pending = true;
      return;
    }
    this.draining = this.sendPending()
      .catch((error: unknown) => this.logger.warn(`outbox relay: send failed, will retry: ${String(error)}`))
      .finally(() => {
        this.draining = undefined;
        if (this.pending && !this.stopped) {
          this.pending = false;
          this.kick();
        }
      });
  }

  private async sendPending(): Promise<void> {
    for (;;) {
      const sent = await this.uow.dataSource.transaction(async (manager) => {
        // SKIP LOCKED: several instances of a service share the outbox without sending a row twice.
        const rows: OutboxRow[] = await manager.query(
          `SELECT "seq", "topic", "key", "headers", "value" FROM ${this.table}
           ORDER BY "seq" LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [this.batchSize],
        );
        if (rows.length === 0) return 0;
        // Consecutive rows of one topic and one trace go out together, sent inside the trace context they
        // were enqueued in: the Kafka instrumentation stamps the send span's context on each record, so the
        // turn's trace continues through the relay.
        let batch: OutboxRow[] = [];
        const flush = async (): Promise<void> => {
          if (batch.length === 0) return;
          const first = batch[0];
          const records: KafkaRecord[] = batch.map((r) => ({
            key: r.key,
            headers: r.headers,
            value: Buffer.from(r.value, 'utf8'),
          }));
          batch = [];
          const parent = propagation.extract(ROOT_CONTEXT, first.headers);
          await context.with(parent, () => this.sink.send(first.topic, records));
        };
        for (const row of rows) {
          const head = batch[0];
          if (head && (head.topic !== row.topic || head.headers.traceparent !== row.headers.traceparent)) {
            await flush();
          }
          batch.push(row);
        }
        await flush();
        await manager.query(`DELETE FROM ${this.table} WHERE "seq" = ANY($1::bigint[])`, [
          rows.map((r) => r.seq),
        ]);
        return rows.length;
      });
      if (sent < this.batchSize) return;
    }
  }
}
