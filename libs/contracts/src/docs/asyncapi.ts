import type { EventDefinition } from '../event-definition';
import { ALL_EVENTS } from '../registry';
import { ALL_TOPICS, deadLetterTopic, type TopicDefinition } from '../topics';
import { dataJsonSchema, eventName, type JsonSchema } from './json-schemas';

const channelId = (topic: TopicDefinition): string =>
  topic.name
    .replace(/\.v\d+$/, '')
    .replace(/^sales\./, '')
    .replace(/[.-](\w)/g, (_, c: string) => c.toUpperCase());

function headersSchema(definition: EventDefinition): JsonSchema {
  const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({
    type: 'string',
    description,
    ...extra,
  });
  return {
    type: 'object',
    required: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_subject', 'ce_time', 'ce_tenantid'],
    properties: {
      ce_specversion: str('CloudEvents version', { const: '1.0' }),
      ce_id: str('Event id; consumers deduplicate on it'),
      ce_type: str('Event type', { const: definition.type }),
      ce_source: str('Emitting service, e.g. /sales-agent/orchestrator'),
      ce_subject: str('The conversation id (also the Kafka key)'),
      ce_time: str('When the event was created', { format: 'date-time' }),
      ce_tenantid: str('Tenant the event belongs to'),
      ce_causationid: str('Id of the event that caused this one'),
      ce_correlationid: str('Id tying together the events of one unit of work (the turn id)'),
      'content-type': str('Always application/json', { const: 'application/json' }),
      traceparent: str('W3C trace context'),
      tracestate: str('W3C trace state'),
    },
  };
}

/** The AsyncAPI 3 document of every topic and event: the public contract for subscribers. */
export function buildAsyncApiDocument(version: string): JsonSchema {
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  const schemas: JsonSchema = {};

  for (const topic of ALL_TOPICS) {
    const id = channelId(topic);
    const onTopic = ALL_EVENTS.filter((d) => d.topic.name === topic.name);
    const channelMessages: JsonSchema = {};
    for (const definition of onTopic) {
      const name = eventName(definition);
      channelMessages[name] = { $ref: `#/components/messages/${name}` };
      messages[name] = {
        name: definition.type,
        title: name,
        summary: definition.description,
        contentType: 'application/json',
        headers: headersSchema(definition),
        payload: { $ref: `#/components/schemas/${name}` },
        bindings: {
          kafka: {
            key: {
              type: 'string',
              format: 'uuid',
              description: definition.keyDescription ?? 'Conversation id',
            },
          },
        },
      };
      const { $id: _id, ...schema } = dataJsonSchema(definition);
      schemas[name] = schema;
      operations[`send${name}`] = {
        action: 'send',
        channel: { $ref: `#/channels/${id}` },
        summary: `The platform publishes ${definition.type}.`,
        messages: [{ $ref: `#/channels/${id}/messages/${name}` }],
      };
    }
    channels[id] = {
      address: topic.name,
      title: topic.name,
      description: `${topic.description} Visibility: ${topic.visibility}. Dead letters: ${deadLetterTopic(topic.name)}.`,
      messages: channelMessages,
      bindings: {
        kafka: {
          bindingVersion: '0.5.0',
          ...(topic.compacted ? { topicConfiguration: { 'cleanup.policy': ['compact'] } } : {}),
        },
      },
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Sales agent backend: conversation events',
      version,
      description:
        'Events of the sales-conversation backend. CloudEvents 1.0 in Kafka binary mode (ce_* headers), ' +
        'JSON data, key = conversation id (events of a conversation are ordered within a topic), W3C trace ' +
        'context in `traceparent`. Topic names carry a version; a breaking change is a new topic. Messages ' +
        'that fail validation or processing go to `<topic>.dlq` with `x-dlq-*` headers giving the reason.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:19092',
        protocol: 'kafka',
        description: 'Broker started by scripts/kafka.mjs',
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
