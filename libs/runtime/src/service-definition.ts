import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { ServiceDatabase } from '@lib/database';
import type { LockKeyOf } from '@lib/messaging';

export type ServiceName = 'gateway' | 'orchestrator' | 'tool-runner' | 'persistence' | 'evaluator';

/**
 * What the runtime needs to run a service, in its own process (distributed) or beside the others
 * (embedded). Each domain lib exports one; apps/<name>/src/main.ts only hands it to the runtime.
 *
 * The runtime provides, globally: config (CommonConfig), DatabaseModule (DataSource, UnitOfWork, inbox,
 * outbox) on `database.schema`, MessagingModule (EventPublisher, RecordSink), logging, health endpoints
 * (`/health/live`, `/health/ready`) and the event transport that calls the module's `@OnEvent` handlers.
 */
export interface ServiceDefinition {
  readonly name: ServiceName;
  readonly database: ServiceDatabase;
  /** The service's behaviour: controllers (HTTP and `@OnEvent` handlers) and providers. */
  readonly module: Type<unknown> | DynamicModule;
  /** HTTP port when PORT is not set (health endpoints; the gateway's API; persistence's internal API). */
  readonly defaultPort: number;
  /**
   * `shared`: instances form one consumer group and each event is handled once (inbox dedupe).
   * `broadcast`: every instance sees every event (the gateway pushing events to its SSE clients).
   */
  readonly delivery: 'shared' | 'broadcast';
  /**
   * Kafka, `shared` only: consume in chunks of `KAFKA_CONSUMER_BATCH_SIZE` records per partition, each chunk
   * in one transaction and one offset commit (record by record again when a chunk fails), up to
   * `KAFKA_CONSUMER_BATCH_TRANSACTIONS` chunks at once when their lock keys are disjoint. `true`: the
   * handlers lock per conversation (`conversationLockKey`); or say what they lock. Only for services whose
   * handlers just write to their own database (persistence), never for handlers that call out (a model,
   * tools): the records before a failing one in its chunk run twice.
   */
  readonly batchDelivery?: boolean | { readonly lockKey?: LockKeyOf };
  /** Service-specific HTTP setup before listening: body limits, exception filters, OpenAPI. */
  readonly configure?: (this: void, app: INestApplication) => void | Promise<void>;
}
