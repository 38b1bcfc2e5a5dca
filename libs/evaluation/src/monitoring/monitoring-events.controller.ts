import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  CrmChangeProposed,
  EvaluationCompleted,
  FeedbackSubmitted,
  ReplyGenerated,
  TurnFailed,
  type EnvelopeOf,
} from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { AnomalyMonitor } from './anomaly-monitor.service';
import { satisfactionOf } from './detectors';

const time = (iso: string): number => Date.parse(iso);

/**
 * Feeds the anomaly detectors from the event stream (each handler chained with the evaluator's other handlers
 * of the same event, in the same unit of work): turn outcomes → error rate, evaluations → latency p95 and
 * groundedness, feedback → satisfaction, CRM change proposals → write bursts.
 */
@Controller()
export class MonitoringEventsController {
  constructor(private readonly monitor: AnomalyMonitor) {}

  @OnEvent(ReplyGenerated)
  async onReplyGenerated(@Payload() event: EnvelopeOf<typeof ReplyGenerated>): Promise<void> {
    const d = event.data;
    await this.monitor.observe('error_rate_spike', event, {
      at: time(d.generatedAt),
      value: 0,
      conversationId: d.conversationId,
      turnId: d.turnId,
    });
  }

  @OnEvent(TurnFailed)
  async onTurnFailed(@Payload() event: EnvelopeOf<typeof TurnFailed>): Promise<void> {
    const d = event.data;
    await this.monitor.observe('error_rate_spike', event, {
      at: time(d.failedAt),
      value: 1,
      conversationId: d.conversationId,
      turnId: d.turnId,
    });
  }

  @OnEvent(EvaluationCompleted)
  async onEvaluationCompleted(@Payload() event: EnvelopeOf<typeof EvaluationCompleted>): Promise<void> {
    const d = event.data;
    const base = { at: time(d.evaluatedAt), conversationId: d.conversationId, turnId: d.turnId };
    await this.monitor.observe('latency_p95_jump', event, { ...base, value: d.latency.totalMs });
    await this.monitor.observe('groundedness_drop', event, { ...base, value: d.scores.groundedness });
  }

  @OnEvent(FeedbackSubmitted)
  async onFeedbackSubmitted(@Payload() event: EnvelopeOf<typeof FeedbackSubmitted>): Promise<void> {
    const d = event.data;
    const value = satisfactionOf(d);
    if (value === undefined) return; // a comment alone
    await this.monitor.observe('satisfaction_drop', event, {
      at: time(d.submittedAt),
      value,
      conversationId: d.conversationId,
      turnId: d.turnId,
    });
  }

  @OnEvent(CrmChangeProposed)
  async onCrmChangeProposed(@Payload() event: EnvelopeOf<typeof CrmChangeProposed>): Promise<void> {
    const d = event.data;
    await this.monitor.observe('crm_write_burst', event, {
      at: time(d.proposedAt),
      value: 1,
      conversationId: d.conversationId,
      ...(d.turnId === undefined ? {} : { turnId: d.turnId }),
    });
  }
}
