import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ConversationEnded, ConversationEvaluated, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { ConversationEvaluationRecorder } from './conversation-evaluation-recorder.service';

/** `conversation.ended` and `conversation.evaluated` → the record (tenant from the envelope). */
@Controller()
export class ConversationEvaluationEventsController {
  constructor(private readonly recorder: ConversationEvaluationRecorder) {}

  @OnEvent(ConversationEnded)
  onConversationEnded(@Payload() event: EnvelopeOf<typeof ConversationEnded>): Promise<void> {
    return this.recorder.conversationEnded(event.tenantid, event.data);
  }

  @OnEvent(ConversationEvaluated)
  onConversationEvaluated(@Payload() event: EnvelopeOf<typeof ConversationEvaluated>): Promise<void> {
    return this.recorder.conversationEvaluated(event.tenantid, event.data);
  }
}
