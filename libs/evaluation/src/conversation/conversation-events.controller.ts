import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AnalysisCompleted,
  ConversationEnded,
  ConversationStarted,
  TurnReceived,
  type EnvelopeOf,
} from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { ConversationEvaluator } from './conversation-evaluator.service';

/** The events conversation-level evaluation needs; the tenant always comes from the envelope. */
@Controller()
export class ConversationEvaluationController {
  constructor(private readonly evaluator: ConversationEvaluator) {}

  @OnEvent(ConversationStarted)
  async onConversationStarted(@Payload() event: EnvelopeOf<typeof ConversationStarted>): Promise<void> {
    await this.evaluator.conversationStarted(event.tenantid, event.data);
  }

  @OnEvent(TurnReceived)
  async onTurnReceived(@Payload() event: EnvelopeOf<typeof TurnReceived>): Promise<void> {
    await this.evaluator.turnReceived(event.tenantid, event.data);
  }

  @OnEvent(AnalysisCompleted)
  async onAnalysisCompleted(@Payload() event: EnvelopeOf<typeof AnalysisCompleted>): Promise<void> {
    await this.evaluator.analysisCompleted(event.tenantid, event.data);
  }

  @OnEvent(ConversationEnded)
  async onConversationEnded(@Payload() event: EnvelopeOf<typeof ConversationEnded>): Promise<void> {
    await this.evaluator.conversationEnded(event.tenantid, event.data, event);
  }
}
