import { EventDecodeError, fromKafkaRecord, toKafkaRecord, type EventEnvelope } from './cloudevents';
import { ToolRequested } from './events/tool-events';
import { TurnReceived, type TurnReceivedData } from './events/turn-received';
import { deriveId, newId } from './ids';

const conversationId = '0b9f3a52-8a5e-4d8f-9b1e-2f0c9d7e6a11';
const turnData: TurnReceivedData = {
  conversationId,
  turnId: deriveId(conversationId, 'turn-1'),
  sequence: 1,
  role: 'prospect',
  text: 'How much does the Teams plan cost?',
  conversation: { mode: 'autonomous', prospect: { email: 'dana@acme.io' } },
  receivedAt: '2026-11-24T09:00:00.000Z',
};

function envelope(data: unknown = turnData): EventEnvelope<unknown> {
  return {
    specversion: '1.0',
    id: newId(),
    type: TurnReceived.type,
    source: '/sales-agent/gateway',
    subject: conversationId,
    time: '2026-11-24T09:00:00.000Z',
    datacontenttype: 'application/json',
    tenantid: 'c2d2b0a4-7a0b-4a4e-8f6e-1d2c3b4a5f60',
    correlationid: turnData.turnId,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    data,
  };
}

describe('CloudEvents Kafka binary binding', () => {
  it('puts attributes in ce_* headers, data in the value and the conversation id in the key', () => {
    const record = toKafkaRecord(TurnReceived, envelope());
    expect(record.key).toBe(conversationId);
    expect(record.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'io.salesagent.turn.received.v1',
      ce_source: '/sales-agent/gateway',
      ce_subject: conversationId,
      ce_tenantid: 'c2d2b0a4-7a0b-4a4e-8f6e-1d2c3b4a5f60',
      ce_correlationid: turnData.turnId,
      'content-type': 'application/json',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(record.headers).not.toHaveProperty('ce_causationid');
    expect(JSON.parse(record.value.toString())).toEqual(turnData);
  });

  it('decodes what it encodes, with Buffer headers as kafkajs delivers them', () => {
    const original = envelope();
    const record = toKafkaRecord(TurnReceived, original);
    const headers = Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)]));
    const { definition, envelope: decoded } = fromKafkaRecord({ value: record.value, headers });
    expect(definition).toBe(TurnReceived);
    expect(decoded).toEqual({ ...original, causationid: undefined, tracestate: undefined });
  });

  it('refuses to produce invalid data, naming the field', () => {
    expect(() => toKafkaRecord(TurnReceived, envelope({ ...turnData, text: '' }))).toThrow(/text/);
  });

  it.each([
    ['missing type', { ce_id: 'x' }, '{}', 'malformed_headers'],
    ['unknown type', { ce_type: 'io.salesagent.nope.v1' }, '{}', 'unknown_type'],
    ['invalid JSON', { ce_type: TurnReceived.type }, '{nope', 'invalid_json'],
  ])('rejects a poison message: %s', (_name, headers, value, reason) => {
    let error: unknown;
    try {
      fromKafkaRecord({ value: Buffer.from(value), headers });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EventDecodeError);
    expect((error as EventDecodeError).reason).toBe(reason);
  });

  it('rejects a message whose data violates the schema', () => {
    const record = toKafkaRecord(TurnReceived, envelope());
    const bad = Buffer.from(JSON.stringify({ ...turnData, role: 'robot' }));
    expect(() => fromKafkaRecord({ value: bad, headers: record.headers })).toThrow(/role/);
  });

  it('rejects a message without a tenant', () => {
    const { ce_tenantid: _dropped, ...headers } = toKafkaRecord(TurnReceived, envelope()).headers;
    expect(() => fromKafkaRecord({ value: Buffer.from(JSON.stringify(turnData)), headers })).toThrow(
      /tenantid/,
    );
  });
});

describe('ids', () => {
  it('derives the same id from the same parts, and different ids from different parts', () => {
    expect(deriveId('turn', 'reply')).toBe(deriveId('turn', 'reply'));
    expect(deriveId('turn', 'reply')).not.toBe(deriveId('turn', 'reply2'));
    expect(deriveId('a', 'bc')).not.toBe(deriveId('ab', 'c'));
  });
});

describe('partition keys', () => {
  it('keys tool calls by tool-call id (parallel calls spread over partitions), subject stays the conversation', () => {
    const data = {
      conversationId,
      turnId: deriveId(conversationId, 'turn-1'),
      toolCallId: deriveId('turn-1', 'step', '0', '1'),
      tool: 'knowledge_search',
      arguments: { query: 'pricing' },
      requestedAt: '2026-11-24T09:00:00.000Z',
    };
    const record = toKafkaRecord(ToolRequested, {
      ...envelope(data),
      type: ToolRequested.type,
      subject: conversationId,
    });
    expect(record.key).toBe(data.toolCallId);
    expect(record.headers.ce_subject).toBe(conversationId);
  });
});
