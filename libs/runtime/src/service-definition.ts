import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { ServiceDatabase } from '@lib/database';

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
  /** Service-specific HTTP setup before listening: body limits, exception filters, OpenAPI. */
  readonly configure?: (this: void, app: INestApplication) => void | Promise<void>;
}
