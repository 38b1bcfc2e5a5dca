import type { EventDefinition } from './event-definition';
import { AlertRaised } from './events/alert-raised';
import { AnalysisCompleted } from './events/analysis-completed';
import { ConversationDeleted } from './events/conversation-deleted';
import { ConversationFeedbackSubmitted } from './events/conversation-feedback-submitted';
import { ConversationEnded } from './events/conversation-ended';
import { ConversationEvaluated } from './events/conversation-evaluated';
import { ConversationSnapshot } from './events/conversation-snapshot';
import { ConversationStarted } from './events/conversation-started';
import { CrmChangeApplied, CrmChangeProposed, CrmChangeRejected } from './events/crm-change-events';
import { EvaluationCompleted } from './events/evaluation-completed';
import { FeedbackSubmitted } from './events/feedback-submitted';
import { ReplyDelta, ReplyGenerated } from './events/reply-generated';
import { ToolCompleted, ToolFailed, ToolRequested } from './events/tool-events';
import { TurnFailed } from './events/turn-failed';
import { TurnReceived } from './events/turn-received';
import type { TopicDefinition } from './topics';

/** Every event of the system. The AsyncAPI document and JSON Schemas are generated from this list. */
export const ALL_EVENTS: readonly EventDefinition[] = [
  ConversationStarted,
  ConversationDeleted,
  ConversationEnded,
  ConversationSnapshot,
  TurnReceived,
  ToolRequested,
  ToolCompleted,
  ToolFailed,
  AnalysisCompleted,
  ReplyDelta,
  ReplyGenerated,
  TurnFailed,
  EvaluationCompleted,
  ConversationEvaluated,
  FeedbackSubmitted,
  ConversationFeedbackSubmitted,
  AlertRaised,
  CrmChangeProposed,
  CrmChangeApplied,
  CrmChangeRejected,
];

const byType = new Map(ALL_EVENTS.map((d) => [d.type, d]));

export function eventDefinitionByType(type: string): EventDefinition | undefined {
  return byType.get(type);
}

export function eventsOnTopic(topic: TopicDefinition | string): EventDefinition[] {
  const name = typeof topic === 'string' ? topic : topic.name;
  return ALL_EVENTS.filter((d) => d.topic.name === name);
}
