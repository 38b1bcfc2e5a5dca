import 'reflect-metadata';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { AnalysisCompleted, ConversationEnded, ConversationStarted, TurnReceived } from '@lib/contracts';
import { ConversationEvaluationController } from './conversation-events.controller';

describe('ConversationEvaluationController', () => {
  it('handles exactly the events conversation-level evaluation needs', () => {
    const prototype = ConversationEvaluationController.prototype as unknown as Record<string, unknown>;
    const patterns = Object.getOwnPropertyNames(prototype)
      .filter((name) => name !== 'constructor')
      .flatMap(
        (name) => (Reflect.getMetadata(PATTERN_METADATA, prototype[name] as object) as string[]) ?? [],
      );
    expect(patterns.sort()).toEqual(
      [ConversationStarted, TurnReceived, AnalysisCompleted, ConversationEnded].map((d) => d.type).sort(),
    );
  });
});
