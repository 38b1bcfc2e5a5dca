import { Logger } from '@nestjs/common';
import { CompressionTypes, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { KafkaRecord } from '@lib/contracts';
import { RecordSink, type TombstoneRecord } from '../delivery';
import { nestLogCreator } from './kafka-logging';

export interface KafkaRecordSinkOptions {
  readonly brokers: string[];
  readonly clientId: string;
  /** At most 5: the idempotent producer keeps order and no duplicates up to 5 requests in flight. */
  readonly maxInFlightRequests?: number;
}

/**
 * The process's one Kafka producer: idempotent, acks=all, keyed records (murmur2 partitioner, as the Java
 * client, so every client puts a conversation on the same partition). Connects on first use; sends
 * issued before the connection is up wait for it instead of failing.
 */
export class KafkaRecordSink extends RecordSink {
  private readonly logger = new Logger(KafkaRecordSink.name);
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(options: KafkaRecordSinkOptions) {
    super();
    const maxInFlightRequests = Math.min(options.maxInFlightRequests ?? 5, 5);
    const kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: nestLogCreator,
    });
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async send(topic: string, records: KafkaRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.connect();
    await this.producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
    });
  }

  /** Tombstones: records with a key and a null value (compacted topics drop the key). */
  override async sendTombstones(topic: string, records: TombstoneRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.connect();
    await this.producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: records.map((r) => ({ key: r.key, value: null, headers: r.headers ?? {} })),
    });
  }

  /** Connects once; concurrent callers share the attempt, and a failed attempt is retried by the next call. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the Kafka producer is closed'));
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.connecting) {
      await this.connecting.catch(() => undefined);
      await this.producer.disconnect();
      this.logger.log('producer disconnected');
    }
  }
}
