import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AlertRaised,
  AnalysisCompleted,
  ConversationDeleted,
  ConversationFeedbackSubmitted,
  CrmChangeApplied,
  CrmChangeProposed,
  CrmChangeRejected,
  EvaluationCompleted,
  FeedbackSubmitted,
  ReplyDelta,
  ReplyGenerated,
  ToolCompleted,
  ToolFailed,
  ToolRequested,
  TurnFailed,
  TurnReceived,
  type EnvelopeOf,
  type EventEnvelope,
} from '@lib/contracts';
import { OnEvent } from '@lib/messaging';
import { ConversationEventHub } from './conversation-event-hub';

/**
 * Relays conversation events from the transport to this instance's SSE clients and waiters. The gateway's
 * delivery is `broadcast`: every instance sees every event. Handlers only hand the event to the in-memory
 * hub: fast, no I/O, and they never throw (an event for a conversation nobody watches is simply dropped).
 */
@Controller()
export class GatewayEventRelay {
  constructor(private readonly hub: ConversationEventHub) {}

  @OnEvent(TurnReceived)
  onTurnReceived(@Payload() event: EnvelopeOf<typeof TurnReceived>): void {
    this.relay(event);
  }

  @OnEvent(ToolRequested)
  onToolRequested(@Payload() event: EnvelopeOf<typeof ToolRequested>): void {
    this.relay(event);
  }

  @OnEvent(ToolCompleted)
  onToolCompleted(@Payload() event: EnvelopeOf<typeof ToolCompleted>): void {
    this.relay(event);
  }

  @OnEvent(ToolFailed)
  onToolFailed(@Payload() event: EnvelopeOf<typeof ToolFailed>): void {
    this.relay(event);
  }

  @OnEvent(AnalysisCompleted)
  onAnalysisCompleted(@Payload() event: EnvelopeOf<typeof AnalysisCompleted>): void {
    this.relay(event);
  }

  /** Streamed reply text (best effort); `reply.generated` with the validated text follows on the same topic. */
  @OnEvent(ReplyDelta)
  onReplyDelta(@Payload() event: EnvelopeOf<typeof ReplyDelta>): void {
    this.relay(event);
  }

  @OnEvent(ReplyGenerated)
  onReplyGenerated(@Payload() event: EnvelopeOf<typeof ReplyGenerated>): void {
    this.relay(event);
  }

  @OnEvent(TurnFailed)
  onTurnFailed(@Payload() event: EnvelopeOf<typeof TurnFailed>): void {
    this.relay(event);
  }

  @OnEvent(EvaluationCompleted)
  onEvaluationCompleted(@Payload() event: EnvelopeOf<typeof EvaluationCompleted>): void {
    this.relay(event);
  }

  @OnEvent(FeedbackSubmitted)
  onFeedbackSubmitted(@Payload() event: EnvelopeOf<typeof FeedbackSubmitted>): void {
    this.relay(event);
  }

  /** Feedback on the whole conversation (the console shows it beside the chat). */
  @OnEvent(ConversationFeedbackSubmitted)
  onConversationFeedbackSubmitted(@Payload() event: EnvelopeOf<typeof ConversationFeedbackSubmitted>): void {
    this.relay(event);
  }

  @OnEvent(AlertRaised)
  onAlertRaised(@Payload() event: EnvelopeOf<typeof AlertRaised>): void {
    this.relay(event);
  }

  /** CRM change proposals and their decisions, so the rep's console can show and approve them. */
  @OnEvent(CrmChangeProposed)
  onCrmChangeProposed(@Payload() event: EnvelopeOf<typeof CrmChangeProposed>): void {
    this.relay(event);
  }

  @OnEvent(CrmChangeApplied)
  onCrmChangeApplied(@Payload() event: EnvelopeOf<typeof CrmChangeApplied>): void {
    this.relay(event);
  }

  @OnEvent(CrmChangeRejected)
  onCrmChangeRejected(@Payload() event: EnvelopeOf<typeof CrmChangeRejected>): void {
    this.relay(event);
  }

  /** Watchers get the deletion event, then their stream ends (every instance: delivery is broadcast). */
  @OnEvent(ConversationDeleted)
  onConversationDeleted(@Payload() event: EnvelopeOf<typeof ConversationDeleted>): void {
    this.relay(event);
    this.hub.close(event.data.conversationId);
  }

  private relay(event: EventEnvelope<unknown>): void {
    this.hub.publish(event);
  }
}
