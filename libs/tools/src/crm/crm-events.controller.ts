import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AnalysisCompleted, TurnReceived, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { ToolRunnerDeletedConversations } from '../deletion/deleted-conversations';
import { CrmConversationService } from './proposals/crm-conversation.service';

/**
 * Conversation events the CRM side of the tool-runner needs: turns (kept to verify that evidence quotes the
 * prospect, and to know the prospect) and analyses (their proposed CRM updates become proposals).
 */
@Controller()
export class CrmEventsController {
  constructor(
    private readonly conversations: CrmConversationService,
    private readonly deleted: ToolRunnerDeletedConversations,
  ) {}

  // Late events of a deleted conversation are dropped (the guard throws a discard error).
  @OnEvent(TurnReceived)
  async onTurnReceived(@Payload() event: EnvelopeOf<typeof TurnReceived>): Promise<void> {
    await this.deleted.guard(event.data.conversationId);
    await this.conversations.recordTurn(event.tenantid, event.data);
  }

  @OnEvent(AnalysisCompleted)
  async onAnalysisCompleted(@Payload() event: EnvelopeOf<typeof AnalysisCompleted>): Promise<void> {
    await this.deleted.guard(event.data.conversationId);
    await this.conversations.proposeFromAnalysis(event.tenantid, event.data);
  }
}
