import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ToolCompleted, ToolFailed, TurnReceived, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { TurnWorkflow } from './turn-workflow.service';

/** Maps the orchestrator's incoming events to the turn workflow. */
@Controller()
export class TurnEventsController {
  constructor(private readonly workflow: TurnWorkflow) {}

  @OnEvent(TurnReceived)
  onTurnReceived(@Payload() event: EnvelopeOf<typeof TurnReceived>): Promise<void> {
    return this.workflow.startTurn(event);
  }

  @OnEvent(ToolCompleted)
  onToolCompleted(@Payload() event: EnvelopeOf<typeof ToolCompleted>): Promise<void> {
    return this.workflow.recordToolOutcome(event);
  }

  @OnEvent(ToolFailed)
  onToolFailed(@Payload() event: EnvelopeOf<typeof ToolFailed>): Promise<void> {
    return this.workflow.recordToolOutcome(event);
  }
}
