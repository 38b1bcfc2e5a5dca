import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ToolRequested, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { ToolRunnerDeletedConversations } from '../deletion/deleted-conversations';
import { ToolCallService } from './tool-call.service';

/** Tool requests from the orchestrator. The transport has validated the event and opened the unit of work. */
@Controller()
export class ToolRequestsController {
  constructor(
    private readonly toolCalls: ToolCallService,
    private readonly deleted: ToolRunnerDeletedConversations,
  ) {}

  @OnEvent(ToolRequested)
  async onToolRequested(@Payload() event: EnvelopeOf<typeof ToolRequested>): Promise<void> {
    // A late request of a deleted conversation is dropped: nothing runs, nothing is recorded.
    await this.deleted.guard(event.data.conversationId);
    await this.toolCalls.handle(event);
  }
}
