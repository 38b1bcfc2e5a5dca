import type { Server } from '@nestjs/microservices';
import { eventDefinitionByType } from '@lib/contracts';
import { lastValueFrom } from 'rxjs';
import { withHandlerFailures } from './handler-failures';
import type { EventHandlerInvoker } from './message-processor';

/**
 * Looks up the Nest handler of an event type on a transport (`@OnEvent` registers `EventPattern(type)`;
 * several handlers of one type are chained by Nest and all run). The invoker resolves when every handler
 * finished and rejects with the handler's own error when one threw.
 */
export type HandlerRegistry = Pick<Server, 'getHandlers' | 'getHandlerByPattern' | 'transformToObservable'>;

export function nestHandlerFinder(
  server: HandlerRegistry,
): (type: string) => EventHandlerInvoker | undefined {
  return (type) => {
    const handler = server.getHandlerByPattern(type);
    if (!handler?.isEventHandler) return undefined;
    return (envelope, deliveryContext) =>
      withHandlerFailures(async () => {
        // A Nest handler returns Promise<Observable | value>; exceptions come back as error Observables.
        await lastValueFrom(server.transformToObservable(await handler(envelope, deliveryContext)), {
          defaultValue: undefined,
        });
      });
  };
}

/** The topics a transport must read: those of the event types this service has handlers for. */
export function subscribedTopics(server: HandlerRegistry): string[] {
  const topics = new Set<string>();
  for (const [pattern, handler] of server.getHandlers()) {
    if (!handler.isEventHandler) {
      throw new Error(`@MessagePattern(${pattern}) is not supported by the event transports: use @OnEvent`);
    }
    const definition = eventDefinitionByType(pattern);
    if (!definition)
      throw new Error(`a handler listens to ${pattern}, which is not an event of @lib/contracts`);
    topics.add(definition.topic.name);
  }
  return [...topics].sort();
}
