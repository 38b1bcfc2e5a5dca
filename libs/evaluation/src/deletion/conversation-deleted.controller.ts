import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ConversationDeleted, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { EvaluatorConversationDeletion } from './conversation-deletion.service';

/** `conversation.deleted` → the evaluator forgets the conversation's evaluations. */
@Controller()
export class EvaluatorConversationDeletedController {
  constructor(private readonly deletion: EvaluatorConversationDeletion) {}

  @OnEvent(ConversationDeleted)
  async onConversationDeleted(@Payload() event: EnvelopeOf<typeof ConversationDeleted>): Promise<void> {
    await this.deletion.delete(event.tenantid, event.data);
  }
}
