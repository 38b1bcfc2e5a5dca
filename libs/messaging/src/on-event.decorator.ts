import { applyDecorators } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import type { EventDefinition } from '@lib/contracts';
import { wrapHandlerMethod } from './pipeline/handler-failures';

const captureFailures: MethodDecorator = (_target, _key, descriptor) => {
  const original: unknown = descriptor.value;
  if (typeof original !== 'function') throw new Error('@OnEvent decorates methods only');
  (descriptor as PropertyDescriptor).value = wrapHandlerMethod(original as (...args: unknown[]) => unknown);
};

/**
 * Marks a controller method as the handler of an event type. The transport (Kafka or in-process) subscribes
 * to the event's topic, validates each message against the contract, deduplicates it through the inbox,
 * and calls the method with the validated `EventEnvelope` as `@Payload()` (and a `DeliveryContext` as
 * `@Ctx()`).
 *
 * A handler runs inside a unit of work: its database writes, its inbox entry and the events it publishes
 * commit together. Throwing makes the transport retry with backoff, then dead-letter the message; throw a
 * `PermanentError` to dead-letter at once.
 */
export const OnEvent = (definition: EventDefinition): MethodDecorator =>
  // Order matters: the method is wrapped first, so EventPattern's metadata lands on the wrapper.
  applyDecorators(captureFailures, EventPattern(definition.type));
