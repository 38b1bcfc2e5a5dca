import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ConversationDeleted, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { ConversationDeletionService } from './conversation-deletion.service';

/** `conversation.deleted` → everything persistence stores of the conversation goes (see the service). */
@Controller()
export class ConversationDeletedController {
  constructor(private readonly deletion: ConversationDeletionService) {}

  @OnEvent(ConversationDeleted)
  async onConversationDeleted(@Payload() event: EnvelopeOf<typeof ConversationDeleted>): Promise<void> {
    await this.deletion.delete(event.tenantid, event.data);
  }
}
