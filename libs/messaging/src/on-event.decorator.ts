import { applyDecorators } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import type { EventDefinition } from '@lib/contracts';

/**
 * Marks a controller method as the handler of an event type. The transport (Kafka or in-process) subscribes
 * to the event's topic, validates each message against the contract, deduplicates it through the inbox,
 * and calls the method with the validated `EventEnvelope` as `@Payload()`.
 *
 * A handler runs inside a unit of work: its database writes, its inbox entry and the events it publishes
 * commit together. Throwing makes the transport retry with backoff, then dead-letter the message.
 */
export const OnEvent = (definition: EventDefinition): MethodDecorator =>
  applyDecorators(EventPattern(definition.type));
