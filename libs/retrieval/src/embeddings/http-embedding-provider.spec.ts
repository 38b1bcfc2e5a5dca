import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { embeddingsEndpoint, EmbeddingProviderError, HttpEmbeddingProvider } from './http-embedding-provider';

interface Received {
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: { model: string; input: string[]; input_type?: string; dimensions?: number };
}

type Responder = (request: Received, res: ServerResponse) => void;

/** A fake embedding API: records requests, answers with the scripted responders in turn. */
class FakeEmbeddingApi {
  readonly received: Received[] = [];
  private readonly server: Server;
  private script: Responder[] = [];

  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: Received = {
          url: req.url ?? '',
          authorization: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        };
        this.received.push(request);
        (this.script.shift() ?? embeddings())(request, res);
      });
    });
  }

  respond(...responders: Responder[]): void {
    this.script = responders;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A vector per input whose first component encodes the input text's length, so order can be checked. */
const vectorFor = (text: string, dimensions: number) => [
  text.length,
  ...new Array<number>(dimensions - 1).fill(0.5),
];

function embeddings(dimensions = 4, options: { shuffle?: boolean } = {}): Responder {
  return (request, res) => {
    const data = request.body.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: vectorFor(text, dimensions),
    }));
    if (options.shuffle) data.reverse();
    json(res, 200, { object: 'list', data, model: request.body.model });
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('HttpEmbeddingProvider', () => {
  const api = new FakeEmbeddingApi();
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await api.start();
  });
  afterAll(() => api.stop());
  beforeEach(() => {
    api.received.length = 0;
    api.respond();
  });

  const provider = (overrides: Partial<ConstructorParameters<typeof HttpEmbeddingProvider>[0]> = {}) =>
    new HttpEmbeddingProvider({
      api: 'openai',
      url: baseUrl,
      apiKey: 'sk-test-secret',
      model: 'tiny-embedder',
      dimensions: 4,
      initialRetryDelayMs: 1,
      maxRetryDelayMs: 5,
      ...overrides,
    });

  it('speaks the OpenAI format: POST /v1/embeddings {model, input}, bearer key, vectors in input order', async () => {
    api.respond(embeddings(4, { shuffle: true }));
    const vectors = await provider().embed(['a', 'bbb'], 'query');
    expect(vectors.map((v) => v[0])).toEqual([1, 3]);
    expect(api.received).toHaveLength(1);
    const [request] = api.received;
    expect(request.url).toBe('/v1/embeddings');
    expect(request.authorization).toBe('Bearer sk-test-secret');
    expect(request.body).toEqual({ model: 'tiny-embedder', input: ['a', 'bbb'], dimensions: 4 });
  });

  it("speaks Voyage AI's format, with input_type from the purpose", async () => {
    const voyage = provider({
      api: 'voyage',
      url: `${baseUrl}/v1/embeddings`,
      model: 'voyage-3.5',
      dimensions: undefined,
    });
    expect(voyage.name).toBe('voyage:voyage-3.5');
    expect(voyage.dimensions).toBe(1024);
    api.respond(embeddings(1024), embeddings(1024));
    await voyage.embed(['q'], 'query');
    await voyage.embed(['d'], 'document');
    expect(api.received.map((r) => r.body.input_type)).toEqual(['query', 'document']);
    expect(api.received[0].body).not.toHaveProperty('output_dimension');
  });

  it('splits inputs into batches and keeps the overall order', async () => {
    const texts = ['1', '22', '333', '4444', '55555'];
    const vectors = await provider({ batchSize: 2 }).embed(texts, 'document');
    expect(api.received.map((r) => r.body.input)).toEqual([['1', '22'], ['333', '4444'], ['55555']]);
    expect(vectors.map((v) => v[0])).toEqual([1, 2, 3, 4, 5]);
  });

  it('retries 429 and 5xx with backoff, then succeeds', async () => {
    api.respond(
      (_r, res) => json(res, 429, { error: { message: 'Rate limit reached' } }),
      (_r, res) => json(res, 503, { error: { message: 'overloaded' } }),
      embeddings(),
    );
    const vectors = await provider().embed(['hello'], 'query');
    expect(vectors).toHaveLength(1);
    expect(api.received).toHaveLength(3);
  });

  it('gives up after the configured retries with a clear error', async () => {
    const tooMany: Responder = (_r, res) => json(res, 429, { error: { message: 'Rate limit reached' } });
    api.respond(tooMany, tooMany, tooMany);
    const error = await provider({ maxRetries: 2 })
      .embed(['hello'], 'query')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingProviderError);
    expect((error as EmbeddingProviderError).status).toBe(429);
    expect((error as Error).message).toMatch(/openai:tiny-embedder: .* answered 429: Rate limit reached/);
    expect(api.received).toHaveLength(3);
  });

  it('does not retry a client error, and never puts the API key in the message', async () => {
    api.respond((_r, res) => json(res, 401, { detail: 'Invalid API key' }));
    const error = await provider()
      .embed(['hello'], 'query')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/answered 401: Invalid API key/);
    expect((error as Error).message).not.toContain('sk-test-secret');
    expect(api.received).toHaveLength(1);
  });

  it('times out a slow answer and retries it', async () => {
    api.respond((request, res) => setTimeout(() => embeddings()(request, res), 500), embeddings());
    const vectors = await provider({ timeoutMs: 100 }).embed(['slow'], 'query');
    expect(vectors).toHaveLength(1);
    expect(api.received).toHaveLength(2);
  });

  it('fails clearly on vectors of the wrong size', async () => {
    api.respond(embeddings(3));
    await expect(provider().embed(['x'], 'query')).rejects.toThrow(/expected vectors of 4 dimensions, got 3/);
  });

  it('requires the dimensions of a model it does not know', () => {
    expect(() => provider({ dimensions: undefined })).toThrow(/EMBEDDINGS_DIMENSIONS/);
  });

  it('derives the endpoint from a base URL', () => {
    expect(embeddingsEndpoint('https://api.example.com')).toBe('https://api.example.com/v1/embeddings');
    expect(embeddingsEndpoint('https://api.example.com/v1/')).toBe('https://api.example.com/v1/embeddings');
    expect(embeddingsEndpoint('http://h/openai/deployments/x/embeddings')).toBe(
      'http://h/openai/deployments/x/embeddings',
    );
  });
});
