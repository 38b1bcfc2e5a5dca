/**
 * Every Kafka topic of the system, defined once. Names carry a version: a breaking change is a new topic.
 * Events that must stay in order relative to each other share a topic (key = conversation id), e.g. an
 * analysis is always delivered before the reply it belongs to.
 */
export type TopicVisibility = 'public' | 'restricted' | 'internal';

export interface TopicDefinition {
  readonly name: string;
  readonly visibility: TopicVisibility;
  readonly description: string;
  /**
   * Log-compacted (`cleanup.policy=compact`): Kafka keeps the newest record per key, and a record with a key
   * and no value (a tombstone) removes the key. Its dead-letter topic is not compacted.
   */
  readonly compacted?: boolean;
}

const topic = (
  name: string,
  visibility: TopicVisibility,
  description: string,
  options: { compacted?: boolean } = {},
): TopicDefinition => ({
  name,
  visibility,
  description,
  ...(options.compacted ? { compacted: true } : {}),
});

export const Topics = {
  conversationLifecycle: topic(
    'sales.conversation.lifecycle.v1',
    'public',
    'Conversation lifecycle: a conversation was started, or deleted.',
  ),
  conversationState: topic(
    'sales.conversation.state.v1',
    'public',
    'The latest state of each conversation (compacted, keyed by conversation id; a tombstone once deleted).',
    { compacted: true },
  ),
  turns: topic(
    'sales.conversation.turns.v1',
    'restricted',
    'Turns as received by the gateway, with the raw text. Restricted: may contain PII.',
  ),
  tools: topic(
    'sales.conversation.tools.v1',
    'internal',
    'Tool calls between the orchestrator and the tool-runner: requests and their results.',
  ),
  outcomes: topic(
    'sales.conversation.outcomes.v1',
    'public',
    'What the assistant made of a turn, in order: the analysis, then the reply (or the failure).',
  ),
  evaluations: topic('sales.conversation.evaluations.v1', 'public', 'Quality evaluations of replies.'),
  feedback: topic('sales.conversation.feedback.v1', 'public', 'Feedback from reps on replies.'),
  alerts: topic('sales.alerts.v1', 'public', 'Alerts raised by the evaluator on unusual behaviour.'),
  crm: topic(
    'sales.crm.v1',
    'public',
    'CRM changes proposed from conversations, and their approval (applied) or rejection, with an audit trail.',
  ),
} as const satisfies Record<string, TopicDefinition>;

export type TopicKey = keyof typeof Topics;
export type TopicName = (typeof Topics)[TopicKey]['name'];

export const ALL_TOPICS: readonly TopicDefinition[] = Object.values(Topics);

/** Dead-letter topic of a topic: messages that failed validation or kept failing, with the reason in headers. */
export function topicByName(name: string): TopicDefinition | undefined {
  return ALL_TOPICS.find((t) => t.name === name);
}

export const deadLetterTopic = (topicName: string): string => `${topicName}.dlq`;
