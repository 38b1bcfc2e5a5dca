import type { CustomTransportStrategy } from '@nestjs/microservices';

/** A transport that delivers events to the service's `@OnEvent` handlers (Kafka or in-process). */
export interface EventTransport extends CustomTransportStrategy {
  /** True once every consumer joined its group and while none has crashed: the readiness probe. */
  isReady(): boolean;
  /** Stops fetching, finishes (bounded) the records in flight, commits, disconnects. */
  close(): Promise<void>;
}
