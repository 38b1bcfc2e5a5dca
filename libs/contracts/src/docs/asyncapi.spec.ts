import { ALL_EVENTS } from '../registry';
import { ALL_TOPICS } from '../topics';
import { buildAsyncApiDocument } from './asyncapi';
import { buildJsonSchemas, eventName } from './json-schemas';

describe('generated contract documents', () => {
  const doc = buildAsyncApiDocument('1.2.3') as {
    asyncapi: string;
    channels: Record<string, { address: string; messages: Record<string, unknown> }>;
    components: { messages: Record<string, { payload: { $ref: string } }>; schemas: Record<string, unknown> };
    operations: Record<string, unknown>;
  };

  it('is AsyncAPI 3 with one channel per topic, addressed by the versioned topic name', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(
      Object.values(doc.channels)
        .map((c) => c.address)
        .sort(),
    ).toEqual(ALL_TOPICS.map((t) => t.name).sort());
    for (const channel of Object.values(doc.channels)) expect(channel.address).toMatch(/\.v\d+$/);
  });

  it('describes every event with its payload schema and a send operation', () => {
    for (const definition of ALL_EVENTS) {
      const name = eventName(definition);
      expect(doc.components.messages[name]?.payload.$ref).toBe(`#/components/schemas/${name}`);
      expect(doc.components.schemas[name]).toBeDefined();
      expect(doc.operations[`send${name}`]).toBeDefined();
    }
  });

  it('names events readably', () => {
    expect(ALL_EVENTS.map(eventName)).toContain('TurnReceivedV1');
    expect(ALL_EVENTS.map(eventName)).toContain('ReplyGeneratedV1');
  });

  it('exports one JSON Schema per event, with required fields', () => {
    const schemas = buildJsonSchemas();
    expect(Object.keys(schemas)).toHaveLength(ALL_EVENTS.length);
    const turn = schemas['io.salesagent.turn.received.v1.json'] as { required: string[] };
    expect(turn.required).toEqual(expect.arrayContaining(['conversationId', 'turnId', 'role', 'text']));
  });
});
