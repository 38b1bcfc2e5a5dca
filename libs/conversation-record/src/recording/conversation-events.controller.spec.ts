import 'reflect-metadata';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { ALL_EVENTS, ConversationSnapshot, ReplyDelta } from '@lib/contracts';
import { ConversationEvaluationEventsController } from '../conversation-evaluation/conversation-evaluation-events.controller';
import { ConversationDeletedController } from '../deletion/conversation-deleted.controller';
import { ConversationEventsController } from './conversation-events.controller';

describe('ConversationEventsController', () => {
  // Streamed reply deltas are display-only: the record keeps the final reply (reply.generated). Snapshots
  // are what persistence itself publishes.
  // conversation.deleted has its own controller (deletion/); conversation.ended and conversation.evaluated
  // theirs (conversation-evaluation/).
  it('has exactly one handler for every event of the system but the reply deltas and snapshots', () => {
    const patterns = [
      ConversationEventsController,
      ConversationDeletedController,
      ConversationEvaluationEventsController,
    ].flatMap((controller) => {
      const prototype = controller.prototype as unknown as Record<string, unknown>;
      return Object.getOwnPropertyNames(prototype)
        .filter((name) => name !== 'constructor')
        .flatMap(
          (name) => (Reflect.getMetadata(PATTERN_METADATA, prototype[name] as object) as string[]) ?? [],
        );
    });
    expect([...patterns].sort()).toEqual(
      ALL_EVENTS.filter((d) => d !== ReplyDelta && d !== ConversationSnapshot)
        .map((d) => d.type)
        .sort(),
    );
  });
});
