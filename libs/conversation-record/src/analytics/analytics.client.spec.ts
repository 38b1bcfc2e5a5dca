import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AnalyticsClientError, ConversationAnalyticsClient } from './analytics.client';
import { AnalyticsRangeQuery, ConversationSearchQuery, type IntentFrequencies } from './analytics.schema';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const intents: IntentFrequencies = {
  from: '2025-01-01T00:00:00.000Z',
  to: '2025-01-31T00:00:00.000Z',
  repId: null,
  totalMentions: 3,
  items: [{ intent: 'pricing_inquiry', count: 3, conversations: 2, share: 1 }],
};

describe('ConversationAnalyticsClient', () => {
  let server: Server;
  let handler: Handler;
  let baseUrl: string;
  const requests: IncomingMessage[] = [];
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    server = createServer((req, res) => {
      requests.push(req);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    propagation.disable();
    context.disable();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    requests.length = 0;
  });

  const json =
    (status: number, body: unknown): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };

  const range = AnalyticsRangeQuery.parse({ from: '2025-01-01', to: '2025-01-31', repId: 'rep 1' });

  it('asks the tenant path with the query as ISO dates, validates the answer and propagates the trace', async () => {
    handler = json(200, intents);
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    const answer = await context.with(trace.setSpanContext(context.active(), spanContext), () =>
      new ConversationAnalyticsClient(baseUrl).intents('tenant a', range),
    );
    expect(answer).toEqual(intents);
    expect(requests[0].url).toBe(
      '/internal/v1/tenants/tenant%20a/analytics/intents?from=2025-01-01T00%3A00%3A00.000Z&to=2025-01-31T00%3A00%3A00.000Z&repId=rep+1',
    );
    expect(requests[0].headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('leaves out absent search parameters', async () => {
    handler = json(200, { items: [], nextCursor: null });
    await new ConversationAnalyticsClient(baseUrl).searchConversations(
      't',
      ConversationSearchQuery.parse({ stage: 'proposal', q: 'hipaa' }),
    );
    expect(requests[0].url).toBe(
      '/internal/v1/tenants/t/analytics/conversations?stage=proposal&q=hipaa&limit=20',
    );
  });

  it('throws with the status and the server’s detail on errors', async () => {
    handler = json(400, { title: 'Bad Request', status: 400, detail: 'cursor: not a cursor of this search' });
    const call = new ConversationAnalyticsClient(baseUrl).intents('t', range);
    await expect(call).rejects.toBeInstanceOf(AnalyticsClientError);
    await expect(call).rejects.toMatchObject({ status: 400, detail: 'cursor: not a cursor of this search' });
  });

  it('rejects an answer that does not match the schema', async () => {
    handler = json(200, { ...intents, totalMentions: -1 });
    await expect(new ConversationAnalyticsClient(baseUrl).intents('t', range)).rejects.toThrow(
      /unexpected response: totalMentions/,
    );
  });

  it('gives up after the timeout', async () => {
    handler = () => undefined; // never answers
    await expect(
      new ConversationAnalyticsClient(baseUrl, { timeoutMs: 50 }).intents('t', range),
    ).rejects.toThrow(/no answer within 50 ms/);
  });
});
