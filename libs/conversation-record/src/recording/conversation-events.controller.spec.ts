import 'reflect-metadata';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { ALL_EVENTS, ReplyDelta } from '@lib/contracts';
import { ConversationEventsController } from './conversation-events.controller';

describe('ConversationEventsController', () => {
  // Streamed reply deltas are display-only: the record keeps the final reply (reply.generated).
  it('has exactly one handler for every event of the system but the reply deltas', () => {
    const prototype = ConversationEventsController.prototype as unknown as Record<string, unknown>;
    const patterns = Object.getOwnPropertyNames(prototype)
      .filter((name) => name !== 'constructor')
      .flatMap(
        (name) => (Reflect.getMetadata(PATTERN_METADATA, prototype[name] as object) as string[]) ?? [],
      );
    expect([...patterns].sort()).toEqual(
      ALL_EVENTS.filter((d) => d !== ReplyDelta)
        .map((d) => d.type)
        .sort(),
    );
  });
});
