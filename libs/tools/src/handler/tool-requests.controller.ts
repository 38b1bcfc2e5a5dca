import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ToolRequested, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { ToolCallService } from './tool-call.service';

/** Tool requests from the orchestrator. The transport has validated the event and opened the unit of work. */
@Controller()
export class ToolRequestsController {
  constructor(private readonly toolCalls: ToolCallService) {}

  @OnEvent(ToolRequested)
  async onToolRequested(@Payload() event: EnvelopeOf<typeof ToolRequested>): Promise<void> {
    await this.toolCalls.handle(event);
  }
}
