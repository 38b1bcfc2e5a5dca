import Anthropic from '@anthropic-ai/sdk';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { z } from 'zod';
import { AnthropicTestServer } from './anthropic-test-server';
import { scripted } from './scripted-responses';
import { lastUserText, toolResultsOf } from './wire';

// Every test drives the real, unmodified SDK over HTTP against the server.

const execFileAsync = promisify(execFile);
const MODEL = 'claude-test-1';
const ask = (text: string) => ({
  model: MODEL,
  max_tokens: 512,
  messages: [{ role: 'user' as const, content: text }],
});

describe('AnthropicTestServer', () => {
  const server = new AnthropicTestServer();
  let baseURL: string;
  const client = (options: { maxRetries?: number; apiKey?: string; timeout?: number } = {}) =>
    new Anthropic({ apiKey: 'sk-test', baseURL, maxRetries: 0, logLevel: 'off', ...options });

  beforeAll(async () => {
    baseURL = await server.start();
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await server.stop();
  });

  it('answers a non-streaming request with a tool_use message, echoing the model and a request id', async () => {
    server.enqueue(
      scripted.toolUse([{ id: 'toolu_1', name: 'crm_lookup', input: { email: 'ana@acme.test' } }]),
    );

    const message = await client().messages.create(ask('Who is Ana?'));

    expect(message.model).toBe(MODEL);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'toolu_1', name: 'crm_lookup', input: { email: 'ana@acme.test' } },
    ]);
    expect(message.id).toMatch(/^msg_test_/);
    expect(message._request_id).toBe(server.requests[0]?.requestId);
    expect(message._request_id).toMatch(/^req_test_/);
    expect(server.pendingResponses).toBe(0);
  });

  it('streams text deltas in order and a tool input through input_json_delta, as the SDK accumulates them', async () => {
    const text = 'Thanks Ana, let me check your account and pricing.';
    const input = { account: 'acme', seats: 25, tags: ['pricing', 'renewal'] };
    server.enqueue(
      scripted.message(
        [
          { type: 'text', text },
          { type: 'tool_use', id: 'toolu_2', name: 'pricing_quote', input },
        ],
        { textChunkSize: 6, jsonChunkSize: 7 },
      ),
    );

    const stream = client().messages.stream(ask('Price for 25 seats?'));
    const deltas: string[] = [];
    const jsonSnapshots: unknown[] = [];
    const partials: string[] = [];
    const eventTypes: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    stream.on('inputJson', (partial, snapshot) => {
      partials.push(partial);
      jsonSnapshots.push(structuredClone(snapshot));
    });
    stream.on('streamEvent', (event) => eventTypes.push(event.type));
    const final = await stream.finalMessage();

    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(text);
    expect(partials.join('')).toBe(JSON.stringify(input));
    expect(partials.filter((p) => p.length > 0).length).toBeGreaterThan(3);
    expect(jsonSnapshots.at(-1)).toEqual(input);
    // The partial JSON is parsed as it grows: early snapshots hold less than the final input.
    expect(jsonSnapshots.some((s) => JSON.stringify(s) !== JSON.stringify(input))).toBe(true);
    expect(final.content).toEqual([
      { type: 'text', text },
      { type: 'tool_use', id: 'toolu_2', name: 'pricing_quote', input },
    ]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.model).toBe(MODEL);
    expect(eventTypes[0]).toBe('message_start');
    expect(eventTypes.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(stream.request_id).toBe(server.requests[0]?.requestId);
  });

  it('sends the SSE wire format of the API, ping included', async () => {
    server.enqueue(scripted.text('Hi there', { textChunkSize: 3 }));

    const response = await fetch(`${baseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask('Hi'), stream: true }),
    });
    const body = await response.text();

    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('request-id')).toMatch(/^req_test_/);
    const names = [...body.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(body).toContain(
      'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi "}}',
    );
  });

  it('reports usage with cache tokens in streamed and non-streamed messages', async () => {
    const usage = {
      input_tokens: 120,
      output_tokens: 42,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 800,
    };
    server.enqueue(scripted.text('Streamed', { usage }), scripted.text('Plain', { usage }));

    const streamed = await client().messages.stream(ask('a')).finalMessage();
    const plain = await client().messages.create(ask('b'));

    for (const message of [streamed, plain]) expect(message.usage).toMatchObject(usage);
  });

  it('makes the SDK retry a 429 after its retry-after, then succeed', async () => {
    server.enqueue(scripted.rateLimited(0.2), scripted.text('Recovered'));

    const message = await client({ maxRetries: 2 }).messages.create(ask('hello'));

    expect(message.content).toEqual([{ type: 'text', text: 'Recovered' }]);
    const [first, second] = server.requests;
    expect(server.requests).toHaveLength(2);
    expect(first?.status).toBe(429);
    expect(first?.headers['x-stainless-retry-count']).toBe('0');
    expect(second?.headers['x-stainless-retry-count']).toBe('1');
    // The SDK waited at least what retry-after asked (200 ms; timers may fire a millisecond early).
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(190);
  });

  it('makes the SDK retry a 529 overloaded_error', async () => {
    server.enqueue(scripted.overloaded(), scripted.text('Back'));

    const message = await client({ maxRetries: 1 }).messages.create(ask('hello'));

    expect(message.content).toEqual([{ type: 'text', text: 'Back' }]);
    expect(server.requests.map((r) => r.status)).toEqual([529, 200]);
  });

  it('surfaces the error type and request id when retries run out', async () => {
    server.enqueue(scripted.overloaded(), scripted.overloaded());

    const error = await client({ maxRetries: 1 })
      .messages.create(ask('hello'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error).toMatchObject({
      status: 529,
      type: 'overloaded_error',
      requestID: server.requests[1]?.requestId,
    });
    expect(server.requests).toHaveLength(2);
  });

  it('gives an AuthenticationError with the request id on 401, without retrying', async () => {
    server.enqueue(scripted.error(401, { message: 'invalid x-api-key' }));

    const error = await client({ maxRetries: 2 })
      .messages.create(ask('hello'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error).toMatchObject({
      status: 401,
      type: 'authentication_error',
      requestID: server.requests[0]?.requestId,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('rejects keys other than the configured one with 401', async () => {
    const strict = new AnthropicTestServer({ apiKey: 'sk-right' });
    const url = await strict.start();
    try {
      strict.enqueue(scripted.text('only for the right key'));
      const wrong = new Anthropic({ apiKey: 'sk-wrong', baseURL: url, maxRetries: 0, logLevel: 'off' });
      const right = new Anthropic({ apiKey: 'sk-right', baseURL: url, maxRetries: 0, logLevel: 'off' });

      await expect(wrong.messages.create(ask('x'))).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
      await expect(right.messages.create(ask('x'))).resolves.toMatchObject({
        content: [{ type: 'text', text: 'only for the right key' }],
      });
    } finally {
      await strict.stop();
    }
  });

  it('gives a BadRequestError on a scripted 400 and the SDK does not retry it', async () => {
    server.enqueue(scripted.error(400, { message: 'prompt is too long' }), scripted.text('never served'));

    const error = await client({ maxRetries: 2 })
      .messages.create(ask('hello'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      apiMessage: 'prompt is too long',
    });
    expect(server.requests).toHaveLength(1);
    expect(server.pendingResponses).toBe(1);
  });

  it('validates requests like the API: key, version, model, max_tokens and messages', async () => {
    server.enqueue(scripted.text('never served'));
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${baseURL}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { type: string } } }));
    const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };

    const noKey = await post({ 'anthropic-version': '2023-06-01' }, ask('x'));
    const noVersion = await post({ 'x-api-key': 'k' }, ask('x'));
    const noMaxTokens = await post(headers, { model: MODEL, messages: ask('x').messages });
    const noModel = await post(headers, { max_tokens: 10, messages: ask('x').messages });
    const noMessages = await post(headers, { model: MODEL, max_tokens: 10, messages: [] });

    expect(noKey).toEqual({ status: 401, body: expect.objectContaining({ type: 'error' }) });
    expect(noKey.body.error.type).toBe('authentication_error');
    for (const rejected of [noVersion, noMaxTokens, noModel, noMessages]) {
      expect(rejected.status).toBe(400);
      expect(rejected.body.error.type).toBe('invalid_request_error');
    }
    expect(server.pendingResponses).toBe(1);
    expect(server.requests).toHaveLength(5);
  });

  it('fails a request nobody scripted with a non-retryable 500 instead of hanging', async () => {
    const error = await client({ maxRetries: 2 })
      .messages.create(ask('unscripted'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(String(error)).toContain('no scripted response');
    expect(server.requests).toHaveLength(1);
  });

  it('cuts a stream mid-way: the SDK stream rejects after the first deltas', async () => {
    server.enqueue(scripted.cut(scripted.text('This answer never finishes', { textChunkSize: 4 }), 5));

    const stream = client({ maxRetries: 2 }).messages.stream(ask('hello'));
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));

    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.AnthropicError);
    // message_start, content_block_start, ping, then two deltas made it through.
    expect(deltas).toEqual(['This', ' ans']);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.status).toBeUndefined();
  });

  it('cuts a non-streaming request before the response: a connection error the SDK retries', async () => {
    server.enqueue(scripted.cut(scripted.text('lost')), scripted.text('second try'));

    const message = await client({ maxRetries: 1 }).messages.create(ask('hello'));

    expect(message.content).toEqual([{ type: 'text', text: 'second try' }]);
    expect(server.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1']);
  });

  it('sends an in-band SSE error event that the SDK raises as an APIError of that type', async () => {
    server.enqueue(
      scripted.streamError(scripted.text('Partial answer then overload', { textChunkSize: 5 }), 4),
    );

    const stream = client().messages.stream(ask('hello'));
    const error = await stream.finalMessage().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: 'overloaded_error' });
  });

  it('paces a slow stream: the first event arrives before the rest', async () => {
    const delayMs = 120;
    server.enqueue(scripted.slow(scripted.text('one two three', { textChunkSize: 5 }), delayMs));

    const started = Date.now();
    const stream = client().messages.stream(ask('hello'));
    const arrivals: number[] = [];
    stream.on('streamEvent', () => arrivals.push(Date.now() - started));
    const final = await stream.finalMessage();

    expect(final.content).toEqual([{ type: 'text', text: 'one two three' }]);
    // 9 events incl. ping (not surfaced by the SDK): 8 arrivals, the last one at least 8 pauses after the first.
    expect(arrivals).toHaveLength(8);
    const [first = 0, second = 0] = arrivals;
    expect(second - first).toBeGreaterThanOrEqual(delayMs - 5);
    expect((arrivals.at(-1) ?? 0) - first).toBeGreaterThanOrEqual(8 * (delayMs - 5));
  });

  it('lets a client timeout fire while a slow model has not answered', async () => {
    server.enqueue(scripted.slow(scripted.text('too late'), 50, 1_000));

    await expect(client({ timeout: 200 }).messages.create(ask('hello'))).rejects.toBeInstanceOf(
      Anthropic.APIConnectionTimeoutError,
    );
  });

  it('records headers and the body as sent: tools, tool_choice and system with cache_control', async () => {
    server.enqueue(scripted.finalToolCall('submit_reply', { text: 'Hello Ana', citations: ['doc-1'] }));
    const tools = [
      {
        name: 'submit_reply',
        description: 'The final structured reply',
        input_schema: {
          type: 'object' as const,
          properties: { text: { type: 'string' } },
          required: ['text'],
        },
        cache_control: { type: 'ephemeral' as const },
      },
    ];
    const system = [
      {
        type: 'text' as const,
        text: 'You are a sales assistant.',
        cache_control: { type: 'ephemeral' as const },
      },
    ];

    const message = await client({ apiKey: 'sk-recorded' }).messages.create({
      ...ask('Reply to Ana'),
      system,
      tools,
      tool_choice: { type: 'tool', name: 'submit_reply' },
      metadata: { user_id: 'tenant-1' },
    });

    expect(message.content).toEqual([
      expect.objectContaining({
        type: 'tool_use',
        name: 'submit_reply',
        input: { text: 'Hello Ana', citations: ['doc-1'] },
      }),
    ]);
    const [recorded] = server.requests;
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/messages' });
    // SDK 1.x sends the API key as a bearer token (0.x sent x-api-key; the server accepts both).
    expect(recorded?.headers['authorization']).toBe('Bearer sk-recorded');
    expect(recorded?.apiKey).toBe('sk-recorded');
    expect(recorded?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(recorded?.body).toEqual({
      ...ask('Reply to Ana'),
      system,
      tools,
      tool_choice: { type: 'tool', name: 'submit_reply' },
      metadata: { user_id: 'tenant-1' },
    });
    expect(server.messageRequests()[0]?.tools?.[0]?.name).toBe('submit_reply');
  });

  it('answers from request content with a responder: tools first, the final tool once results come back', async () => {
    server.script((request, index) =>
      toolResultsOf(request).length > 0
        ? scripted.finalToolCall('submit_reply', { text: `answer #${index}` })
        : scripted.toolUse([
            { id: `toolu_a${index}`, name: 'crm_lookup', input: { q: lastUserText(request) } },
            { id: `toolu_b${index}`, name: 'kb_search', input: { q: 'pricing' } },
          ]),
    );
    const sdk = client();
    const first = await sdk.messages.create(ask('Ana asks about pricing'));
    const toolUses = first.content.filter((b) => b.type === 'tool_use');

    const second = await sdk.messages.create({
      ...ask('Ana asks about pricing'),
      messages: [
        ...ask('Ana asks about pricing').messages,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: toolUses.map((t) => ({ type: 'tool_result' as const, tool_use_id: t.id, content: '{}' })),
        },
      ],
    });

    expect(toolUses.map((t) => [t.name, t.input])).toEqual([
      ['crm_lookup', { q: 'Ana asks about pricing' }],
      ['kb_search', { q: 'pricing' }],
    ]);
    expect(second.content).toEqual([
      expect.objectContaining({ name: 'submit_reply', input: { text: 'answer #1' } }),
    ]);
  });

  it('serves a JSON answer that the SDK parses under output_config.format', async () => {
    server.enqueue(scripted.json({ intent: 'pricing', confidence: 0.9 }));
    const Analysis = z.object({ intent: z.string(), confidence: z.number() });

    const message = await client().messages.parse({
      ...ask('Analyse'),
      output_config: { format: zodOutputFormat(Analysis) },
    });

    expect(message.parsed_output).toEqual({ intent: 'pricing', confidence: 0.9 });
    expect(server.requests[0]?.body).toMatchObject({ output_config: { format: { type: 'json_schema' } } });
  });

  it('stops promptly while a slow stream is in flight, failing the client instead of hanging', async () => {
    const local = new AnthropicTestServer();
    const url = await local.start();
    local.enqueue(scripted.slow(scripted.text('a b c d e f', { textChunkSize: 1 }), 10_000));
    const stream = new Anthropic({
      apiKey: 'k',
      baseURL: url,
      maxRetries: 0,
      logLevel: 'off',
    }).messages.stream(ask('hello'));
    const firstEvent = new Promise((resolve) => stream.once('streamEvent', resolve));
    const outcome = stream.finalMessage().then(
      () => 'resolved',
      () => 'rejected',
    );

    await firstEvent;
    const stopping = Date.now();
    await local.stop();

    expect(Date.now() - stopping).toBeLessThan(5_000);
    await expect(outcome).resolves.toBe('rejected');
  });

  it('serves a separate process configured only by ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY', async () => {
    server.enqueue(scripted.text('from another process'));
    const script = `
      const Anthropic = require('@anthropic-ai/sdk').default;
      new Anthropic({ maxRetries: 0 })
        .messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
        .then((m) => process.stdout.write(JSON.stringify(m.content)));`;

    const { stdout } = await execFileAsync(process.execPath, ['-e', script], {
      env: { PATH: process.env['PATH'], ANTHROPIC_BASE_URL: baseURL, ANTHROPIC_API_KEY: 'sk-env' },
    });

    expect(JSON.parse(stdout)).toEqual([{ type: 'text', text: 'from another process' }]);
    expect(server.requests[0]?.apiKey).toBe('sk-env');
  });

  it('answers count_tokens with an approximate input token count', async () => {
    const small = await client().messages.countTokens({ model: MODEL, messages: ask('hi').messages });
    const large = await client().messages.countTokens({
      model: MODEL,
      messages: ask('hi '.repeat(400)).messages,
    });

    expect(small.input_tokens).toBeGreaterThan(0);
    expect(large.input_tokens).toBeGreaterThan(small.input_tokens + 200);
  });
});
