import type { z } from 'zod';
import type { TopicDefinition } from './topics';

/**
 * One event type: its CloudEvents `type`, the topic it travels on, the schema of its `data`, and how its
 * Kafka key is derived from the data (every emit has a key, the conversation id, so a conversation's events
 * stay in order on one partition).
 */
export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly topic: TopicDefinition;
  readonly schema: S;
  readonly description: string;
  readonly keyOf: (data: z.infer<S>) => string;
  /**
   * The Kafka record key when it should differ from `keyOf` (which stays the CloudEvents subject, the
   * conversation id). Tool calls are keyed by tool-call id: the parallel calls of one model response land on
   * different partitions and run in parallel; each call's request and result still share a partition.
   */
  readonly partitionKeyOf?: (data: z.infer<S>) => string;
  /** What the Kafka key is, for the AsyncAPI document (default: the conversation id). */
  readonly keyDescription?: string;
}

export type EventData<D extends EventDefinition> = z.infer<D['schema']>;

export function defineEvent<S extends z.ZodType>(definition: EventDefinition<S>): EventDefinition<S> {
  return Object.freeze(definition);
}

/** CloudEvents `type` naming: reverse-DNS prefix, event name, schema version. */
export const eventType = (name: string, version = 1): string => `io.salesagent.${name}.v${version}`;
