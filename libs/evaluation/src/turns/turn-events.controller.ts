import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AnalysisCompleted, TurnReceived, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { EvaluatorTurnStore } from './turn-store';

/**
 * `turn.received` → the evaluator keeps the text it judges replies against; `analysis.completed` → the
 * competitors named in the conversation (same topic and key as `reply.generated`, so they arrive first).
 */
@Controller()
export class EvaluatorTurnEventsController {
  constructor(private readonly turns: EvaluatorTurnStore) {}

  @OnEvent(TurnReceived)
  async onTurnReceived(@Payload() event: EnvelopeOf<typeof TurnReceived>): Promise<void> {
    await this.turns.record(event.tenantid, event.data);
  }

  @OnEvent(AnalysisCompleted)
  async onAnalysisCompleted(@Payload() event: EnvelopeOf<typeof AnalysisCompleted>): Promise<void> {
    await this.turns.recordCompetitors(event.tenantid, event.data);
  }
}
