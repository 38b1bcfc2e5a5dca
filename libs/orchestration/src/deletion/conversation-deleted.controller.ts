import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ConversationDeleted, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { OrchestratorConversationDeletion } from './conversation-deletion.service';

/** `conversation.deleted` → the orchestrator forgets the conversation (see the service). */
@Controller()
export class OrchestratorConversationDeletedController {
  constructor(private readonly deletion: OrchestratorConversationDeletion) {}

  @OnEvent(ConversationDeleted)
  async onConversationDeleted(@Payload() event: EnvelopeOf<typeof ConversationDeleted>): Promise<void> {
    await this.deletion.delete(event.tenantid, event.data);
  }
}
