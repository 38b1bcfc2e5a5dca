import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { interactionLogRecord } from './interaction-log';
import { NameList } from './name-list';
import { PiiRedactor } from './pii-redactor';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/u;

const inSpan = <T>(work: () => T): T =>
  context.with(
    trace.setSpan(
      context.active(),
      trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED }),
    ),
    work,
  );

describe('interactionLogRecord', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
  });

  const turn = {
    kind: 'turn.received',
    tenantId: 'acme',
    conversationId: '7a0c1a57-3a55-4c59-9b4a-1f0e1e2f6a10',
    turnId: 'c2a4e9de-0f1f-4d49-8d7b-4a8d0b3f1f52',
    role: 'prospect' as const,
    text:
      "Hi, I'm Crystal Minh. Mail cminh730@email.com or call (977) 625-2661 / +44 20 7946 0958; " +
      'card 4111 1111 1111 1111. Budget $50,000 by 2025-03-31.',
    names: ['Crystal Minh'],
    attributes: { sequence: 3 },
  };

  it('redacts the text and keeps the ids, lengths and counts', () => {
    const record = inSpan(() => interactionLogRecord(turn));
    expect(record).toEqual({
      event: 'interaction',
      kind: 'turn.received',
      tenantId: 'acme',
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      role: 'prospect',
      sequence: 3,
      text: "Hi, I'm [NAME]. Mail [EMAIL] or call [PHONE] / [PHONE]; card [CARD]. Budget $50,000 by 2025-03-31.",
      textLength: turn.text.length,
      redactedLength: 98,
      textTruncated: false,
      redactions: { name: 1, email: 1, phone: 2, card: 1 },
      trace_id: TRACE_ID,
      span_id: SPAN_ID,
    });
    const json = JSON.stringify(record);
    expect(json).not.toMatch(EMAIL);
    for (const leaked of ['Crystal', 'Minh', '977', '2661', '7946', '4111'])
      expect(json).not.toContain(leaked);
  });

  it('carries the trace of the active span only', () => {
    const outside = interactionLogRecord(turn);
    expect(outside.trace_id).toBeUndefined();
    expect(outside.span_id).toBeUndefined();
    expect(inSpan(() => interactionLogRecord(turn)).trace_id).toBe(TRACE_ID);
  });

  it('cuts long text after redaction and can log lengths only', () => {
    const long = { ...turn, text: `${'word '.repeat(1000)}sarah@x.io` };
    const cut = interactionLogRecord(long, { maxTextLength: 100 });
    expect(cut.text).toHaveLength(100);
    expect(cut.textTruncated).toBe(true);
    expect(cut.redactedLength).toBe(5000 + '[EMAIL]'.length);
    expect(cut.redactions).toEqual({ email: 1 });

    const lengthsOnly = interactionLogRecord(turn, { maxTextLength: 0 });
    expect(lengthsOnly.text).toBeNull();
    expect(lengthsOnly.textLength).toBe(turn.text.length);
  });

  it('records interactions without text, and takes a configured redactor and compiled names', () => {
    const failed = interactionLogRecord({
      kind: 'turn.failed',
      tenantId: 'acme',
      conversationId: turn.conversationId,
      role: 'assistant',
    });
    expect(failed).toMatchObject({ text: null, textLength: 0, turnId: null, redactions: {} });

    const redactor = new PiiRedactor({ placeholders: { name: '<name>' } });
    const record = interactionLogRecord(
      { ...turn, text: 'Ask Sarah Lee', names: NameList.of(['Sarah Lee']) },
      { redactor },
    );
    expect(record.text).toBe('Ask <name>');
  });
});
