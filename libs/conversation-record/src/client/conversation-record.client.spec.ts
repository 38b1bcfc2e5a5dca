import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConversationView } from '../reading/conversation-view.schema';
import { ConversationRecordClient, ConversationRecordError } from './conversation-record.client';

const CONVERSATION = '0195f3a0-0000-7000-8000-000000000001';

const view: ConversationView = {
  conversation: {
    id: CONVERSATION,
    tenantId: 'tenant a',
    status: 'active',
    mode: 'assist',
    prospect: { name: 'Dana' },
    repId: null,
    title: null,
    stage: null,
    startedAt: '2025-01-15T10:00:00.000Z',
    updatedAt: '2025-01-15T10:00:00.000Z',
    turnCount: 0,
  },
  turns: [],
  alerts: [],
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('ConversationRecordClient', () => {
  let server: Server;
  let handler: Handler;
  let baseUrl: string;
  const requests: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
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

  it('gets a conversation on the tenant path, validated', async () => {
    handler = json(200, view);
    await expect(
      new ConversationRecordClient(baseUrl).getConversation('tenant a', CONVERSATION),
    ).resolves.toEqual(view);
    expect(requests[0].url).toBe(`/internal/v1/tenants/tenant%20a/conversations/${CONVERSATION}`);
  });

  it('returns undefined on 404', async () => {
    handler = json(404, { status: 404 });
    await expect(
      new ConversationRecordClient(baseUrl).getConversation('t', CONVERSATION),
    ).resolves.toBeUndefined();
  });

  it('throws a ConversationRecordError with the status on other statuses', async () => {
    handler = json(500, { detail: 'database down' });
    const call = new ConversationRecordClient(baseUrl).getConversation('t', CONVERSATION);
    await expect(call).rejects.toBeInstanceOf(ConversationRecordError);
    await expect(call).rejects.toMatchObject({ status: 500, message: expect.stringContaining('HTTP 500') });
  });

  it('rejects a response that does not match the schema', async () => {
    handler = json(200, { conversation: { id: 'nope' }, turns: [] });
    await expect(new ConversationRecordClient(baseUrl).getConversation('t', CONVERSATION)).rejects.toThrow(
      /unexpected response: conversation/,
    );
  });

  it('times out when the server does not answer', async () => {
    handler = () => undefined; // never answers
    const client = new ConversationRecordClient(baseUrl, { timeoutMs: 100 });
    await expect(client.getConversation('t', CONVERSATION)).rejects.toThrow(/no answer within 100 ms/);
  });

  it('lists with limit and cursor in the query', async () => {
    handler = json(200, { items: [view.conversation], nextCursor: CONVERSATION });
    const list = await new ConversationRecordClient(baseUrl).listConversations('t', {
      limit: 1,
      cursor: CONVERSATION,
    });
    expect(list.nextCursor).toBe(CONVERSATION);
    expect(requests[0].url).toBe(`/internal/v1/tenants/t/conversations?limit=1&cursor=${CONVERSATION}`);
  });
});
