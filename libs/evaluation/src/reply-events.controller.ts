import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ReplyGenerated, type EnvelopeOf } from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { ReplyEvaluator } from './reply-evaluator.service';

/** Maps `reply.generated` to the evaluator. */
@Controller()
export class ReplyEventsController {
  constructor(private readonly evaluator: ReplyEvaluator) {}

  @OnEvent(ReplyGenerated)
  async onReplyGenerated(@Payload() event: EnvelopeOf<typeof ReplyGenerated>): Promise<void> {
    await this.evaluator.evaluate(event);
  }
}
