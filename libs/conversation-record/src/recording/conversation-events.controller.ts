import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AlertRaised,
  AnalysisCompleted,
  ConversationFeedbackSubmitted,
  ConversationStarted,
  CrmChangeApplied,
  CrmChangeProposed,
  CrmChangeRejected,
  EvaluationCompleted,
  FeedbackSubmitted,
  ReplyGenerated,
  ToolCompleted,
  ToolFailed,
  ToolRequested,
  TurnFailed,
  TurnReceived,
  type EnvelopeOf,
} from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { traceIdOf } from '../model/trace-id';
import { ConversationRecorder } from './conversation-recorder.service';
import { CrmChangeRecorder } from './crm-change-recorder.service';

/**
 * Every conversation event, into the record. The transport has validated the envelope and runs each call
 * inside the inbox's unit of work; the tenant always comes from the envelope, never from the data.
 */
@Controller()
export class ConversationEventsController {
  constructor(
    private readonly recorder: ConversationRecorder,
    private readonly crmChanges: CrmChangeRecorder,
  ) {}

  @OnEvent(ConversationStarted)
  onConversationStarted(@Payload() event: EnvelopeOf<typeof ConversationStarted>): Promise<void> {
    return this.recorder.conversationStarted(event.tenantid, event.data);
  }

  @OnEvent(TurnReceived)
  onTurnReceived(@Payload() event: EnvelopeOf<typeof TurnReceived>): Promise<void> {
    return this.recorder.turnReceived(event.tenantid, event.data, traceIdOf(event.traceparent));
  }

  @OnEvent(ToolRequested)
  onToolRequested(@Payload() event: EnvelopeOf<typeof ToolRequested>): Promise<void> {
    return this.recorder.toolRequested(event.tenantid, event.data);
  }

  @OnEvent(ToolCompleted)
  onToolCompleted(@Payload() event: EnvelopeOf<typeof ToolCompleted>): Promise<void> {
    return this.recorder.toolCompleted(event.tenantid, event.data);
  }

  @OnEvent(ToolFailed)
  onToolFailed(@Payload() event: EnvelopeOf<typeof ToolFailed>): Promise<void> {
    return this.recorder.toolFailed(event.tenantid, event.data);
  }

  @OnEvent(AnalysisCompleted)
  onAnalysisCompleted(@Payload() event: EnvelopeOf<typeof AnalysisCompleted>): Promise<void> {
    return this.recorder.analysisCompleted(event.tenantid, event.data);
  }

  @OnEvent(ReplyGenerated)
  onReplyGenerated(@Payload() event: EnvelopeOf<typeof ReplyGenerated>): Promise<void> {
    return this.recorder.replyGenerated(event.tenantid, event.data);
  }

  @OnEvent(TurnFailed)
  onTurnFailed(@Payload() event: EnvelopeOf<typeof TurnFailed>): Promise<void> {
    return this.recorder.turnFailed(event.tenantid, event.data);
  }

  @OnEvent(EvaluationCompleted)
  onEvaluationCompleted(@Payload() event: EnvelopeOf<typeof EvaluationCompleted>): Promise<void> {
    return this.recorder.evaluationCompleted(event.tenantid, event.data);
  }

  @OnEvent(FeedbackSubmitted)
  onFeedbackSubmitted(@Payload() event: EnvelopeOf<typeof FeedbackSubmitted>): Promise<void> {
    return this.recorder.feedbackSubmitted(event.tenantid, event.data);
  }

  @OnEvent(ConversationFeedbackSubmitted)
  onConversationFeedbackSubmitted(
    @Payload() event: EnvelopeOf<typeof ConversationFeedbackSubmitted>,
  ): Promise<void> {
    return this.recorder.conversationFeedbackSubmitted(event.tenantid, event.data);
  }

  @OnEvent(AlertRaised)
  onAlertRaised(@Payload() event: EnvelopeOf<typeof AlertRaised>): Promise<void> {
    return this.recorder.alertRaised(event.tenantid, event.data);
  }

  @OnEvent(CrmChangeProposed)
  onCrmChangeProposed(@Payload() event: EnvelopeOf<typeof CrmChangeProposed>): Promise<void> {
    return this.crmChanges.proposed(event.tenantid, event.data);
  }

  @OnEvent(CrmChangeApplied)
  onCrmChangeApplied(@Payload() event: EnvelopeOf<typeof CrmChangeApplied>): Promise<void> {
    return this.crmChanges.applied(event.tenantid, event.data);
  }

  @OnEvent(CrmChangeRejected)
  onCrmChangeRejected(@Payload() event: EnvelopeOf<typeof CrmChangeRejected>): Promise<void> {
    return this.crmChanges.rejected(event.tenantid, event.data);
  }
}
