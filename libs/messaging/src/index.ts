export * from './envelope';
export * from './event-publisher';
export * from './default-event-publisher';
export * from './on-event.decorator';
export * from './delivery';
export * from './event-transport';
export { DiscardedEventError, PermanentError, isDiscardedEvent, isPermanentError } from './pipeline/errors';
export { DeliveryContext, type IncomingRecord } from './pipeline/incoming-record';
export { DEFAULT_RETRY, type RetryOptions } from './pipeline/retry-options';
export {
  MessageProcessor,
  type EventHandlerInvoker,
  type MessageProcessorOptions,
  type DecodedChunk,
  type ProcessOutcome,
  type TransactionAttempt,
} from './pipeline/message-processor';
export {
  TransactionLimiter,
  chunkRecords,
  conversationLockKey,
  deliverChunk,
  type BatchOptions,
  type ChunkDelivery,
  type ChunkResult,
  type LockKeyOf,
  type LockKeys,
} from './pipeline/batch-delivery';
export {
  InProcessEventBus,
  type BusRecord,
  type InProcessEventBusOptions,
} from './in-process/in-process-event-bus';
export { InProcessRecordSink } from './in-process/in-process-record-sink';
export {
  InProcessEventTransport,
  type InProcessEventTransportOptions,
} from './in-process/in-process-event-transport';
export { KafkaEventTransport, type KafkaEventTransportOptions } from './kafka/kafka-event-transport';
export { KafkaRecordSink, type KafkaRecordSinkOptions } from './kafka/kafka-record-sink';
export { ensureTopics, type EnsureTopicsOptions } from './kafka/ensure-topics';
export {
  createEventTransport,
  type EventTransportOptions,
  type KafkaConnectionOptions,
  type TransportKind,
} from './create-event-transport';
export { MessagingModule, createRecordSink, type MessagingModuleOptions } from './messaging.module';
export { InMemoryInboxStore } from './in-memory-inbox-store';
