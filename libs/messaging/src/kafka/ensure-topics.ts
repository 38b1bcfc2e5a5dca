import { Logger } from '@nestjs/common';
import { ALL_TOPICS, deadLetterTopic, topicByName } from '@lib/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { nestLogCreator } from './kafka-logging';

export interface EnsureTopicsOptions {
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topics to create (each with its `.dlq`). Defaults to every topic of the contracts. */
  readonly topics?: readonly string[];
  readonly clientId?: string;
}

/**
 * Each topic with its dead-letter topic, once: a `.dlq` name given among the topics is not given a
 * `.dlq.dlq`, and a name given twice is created once (the broker rejects a request that names a topic twice).
 */
export function wantedTopics(topics: readonly string[]): string[] {
  const names = topics.flatMap((t) => (t.endsWith('.dlq') ? [t] : [t, deadLetterTopic(t)]));
  return [...new Set(names)];
}

/**
 * Creates the system's topics and their dead-letter topics (existing ones are kept; one with fewer
 * partitions than configured gets more). Safe to run from several processes at once. Returns the names of
 * the topics it created.
 */
export async function ensureTopics(brokers: string[], options: EnsureTopicsOptions): Promise<string[]> {
  const logger = new Logger('KafkaTopics');
  const wanted = wantedTopics(options.topics ?? ALL_TOPICS.map((t) => t.name));
  const admin = new Kafka({
    clientId: options.clientId ?? 'sales-agent-admin',
    brokers,
    logLevel: logLevel.WARN,
    logCreator: nestLogCreator,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      // Resolves false (no error) for topics another process created in the meantime.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: options.partitions,
          replicationFactor: options.replicationFactor,
          // Compacted topics keep the newest record per key; their dead-letter topics keep everything.
          ...(topicByName(topic)?.compacted
            ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }
            : {}),
        })),
      });
      logger.log(`created topics: ${missing.join(', ')}`);
    }
    const present = wanted.filter((t) => existing.has(t));
    if (present.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: present });
      const tooSmall = metadata.topics.filter((t) => t.partitions.length < options.partitions);
      if (tooSmall.length > 0) {
        await admin.createPartitions({
          topicPartitions: tooSmall.map((t) => ({ topic: t.name, count: options.partitions })),
        });
        logger.log(`raised partitions to ${options.partitions}: ${tooSmall.map((t) => t.name).join(', ')}`);
      }
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
