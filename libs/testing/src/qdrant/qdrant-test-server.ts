import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryCollection, type StoredPoint } from './collection';
import {
  collectionExists,
  collectionNotFound,
  CountSchema,
  CreateCollectionSchema,
  CreateFieldIndexSchema,
  DeletePointsSchema,
  formatError,
  notFound,
  parseBody,
  QdrantApiError,
  QueryBatchSchema,
  QueryRequestSchema,
  RetrieveSchema,
  ScrollSchema,
  UpsertSchema,
  badRequest,
  type VectorInput,
} from './wire';

export interface RecordedQdrantRequest {
  readonly method: string;
  /** Path with query string, e.g. `/collections/kb/points?wait=true`. */
  readonly path: string;
  /** Lower-cased header names, as Node receives them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body (`undefined` when empty or not JSON). */
  readonly body: unknown;
  readonly receivedAt: number;
  /** The HTTP status answered (`undefined` while pending). */
  status?: number;
}

export interface QdrantTestServerOptions {
  /** The version `GET /` reports. The client warns unless its major matches and minors differ by at most 1. */
  readonly version?: string;
  /** When set, requests without this `api-key` header (or `Authorization: Bearer`) get 401, as Qdrant does. */
  readonly apiKey?: string;
}

/** The client version installed here: answering it keeps the client's compatibility check quiet. */
const DEFAULT_VERSION = '1.18.0';

type Handler = (params: readonly string[], body: unknown, query: URLSearchParams) => unknown;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handle: Handler;
}

/**
 * An in-memory server on 127.0.0.1 that speaks Qdrant's REST API as `@qdrant/js-client-rest` expects it: the
 * collection, payload-index and point endpoints a hybrid-search adapter uses, the universal query API with
 * prefetch and fusion, Qdrant's envelope `{ result, status: "ok", time }` and its errors
 * `{ status: { error }, time }` (404 unknown collection, 400 wrong input, 409 existing collection, 422
 * validation). Every request is recorded.
 *
 * `new QdrantClient({ url: await server.start() })`; or a separate process with `QDRANT_URL=<url>`.
 */
export class QdrantTestServer {
  readonly requests: RecordedQdrantRequest[] = [];
  private readonly collections = new Map<string, InMemoryCollection>();
  private readonly routes: Route[];
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(private readonly options: QdrantTestServerOptions = {}) {
    this.routes = this.buildRoutes();
  }

  /** Listens on 127.0.0.1 on a free port; returns the base URL (no trailing slash). */
  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          this.sendError(res, 500, `Service internal error: test server failure: ${String(error)}`, 0);
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('QdrantTestServer is not started');
    return this.baseUrl;
  }

  /** Drops keep-alive connections (the client pools them) and closes the port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.baseUrl = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every collection and the recorded requests, between tests sharing one server. */
  reset(): void {
    this.collections.clear();
    this.requests.length = 0;
  }

  /** Names of the existing collections. */
  collectionNames(): string[] {
    return [...this.collections.keys()];
  }

  /** The stored points of a collection in id order (Cosine vectors normalised), for assertions. */
  storedPoints(collection: string): StoredPoint[] {
    return this.collection(collection).all();
  }

  private collection(name: string): InMemoryCollection {
    const found = this.collections.get(name);
    if (!found) throw collectionNotFound(name);
    return found;
  }

  private buildRoutes(): Route[] {
    const c = '/collections/([^/]+)';
    const wait = (query: URLSearchParams): boolean => query.get('wait') === 'true';
    const route = (method: string, path: string, handle: Handler): Route => ({
      method,
      pattern: new RegExp(`^${path}$`),
      handle,
    });
    return [
      route('GET', '/collections', () => ({ collections: this.collectionNames().map((name) => ({ name })) })),
      route('GET', c, ([name = '']) => this.collection(name).info()),
      route('GET', `${c}/exists`, ([name = '']) => ({ exists: this.collections.has(name) })),
      route('PUT', c, ([name = ''], body) => {
        if (this.collections.has(name)) throw collectionExists(name);
        this.collections.set(name, new InMemoryCollection(name, parseBody(CreateCollectionSchema, body)));
        return true;
      }),
      route('DELETE', c, ([name = '']) => this.collections.delete(name)),
      route('PUT', `${c}/index`, ([name = ''], body, query) => {
        const collection = this.collection(name);
        const { field_name, field_schema } = parseBody(CreateFieldIndexSchema, body);
        return collection.createPayloadIndex(field_name, field_schema, wait(query));
      }),
      route('DELETE', `${c}/index/([^/]+)`, ([name = '', field = ''], _body, query) =>
        this.collection(name).deletePayloadIndex(field, wait(query)),
      ),
      route('PUT', `${c}/points`, ([name = ''], body, query) => {
        const collection = this.collection(name);
        const upsert = parseBody(UpsertSchema, body);
        const points =
          'points' in upsert
            ? upsert.points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload }))
            : batchPoints(upsert.batch);
        return collection.upsert(points, wait(query));
      }),
      route('POST', `${c}/points`, ([name = ''], body) => {
        const collection = this.collection(name);
        const request = parseBody(RetrieveSchema, body);
        return collection.retrieve(request.ids, request.with_payload ?? true, request.with_vector ?? false);
      }),
      route('GET', `${c}/points/([^/]+)`, ([name = '', id = '']) =>
        this.collection(name).getPoint(/^\d+$/.test(id) ? Number(id) : id),
      ),
      route('POST', `${c}/points/delete`, ([name = ''], body, query) => {
        const collection = this.collection(name);
        const selector = parseBody(DeletePointsSchema, body);
        if ('points' in selector) return collection.deleteByIds(selector.points, wait(query));
        // An empty selector would delete everything: Qdrant rejects it, and so does this server.
        if (selector.filter === undefined || selector.filter === null)
          throw formatError('expected `points` or `filter`');
        return collection.deleteByFilter(selector.filter, wait(query));
      }),
      route('POST', `${c}/points/scroll`, ([name = ''], body) => {
        const collection = this.collection(name);
        const request = parseBody(ScrollSchema, body);
        if (request.order_by !== undefined && request.order_by !== null) {
          throw badRequest('order_by is not supported by QdrantTestServer');
        }
        return collection.scroll({
          offset: request.offset,
          limit: request.limit ?? undefined,
          filter: request.filter,
          withPayload: request.with_payload ?? true,
          withVector: request.with_vector ?? false,
        });
      }),
      route('POST', `${c}/points/count`, ([name = ''], body) => {
        const collection = this.collection(name);
        return collection.count(parseBody(CountSchema, body).filter);
      }),
      route('POST', `${c}/points/query`, ([name = ''], body) => {
        const collection = this.collection(name);
        return collection.query(parseBody(QueryRequestSchema, body));
      }),
      route('POST', `${c}/points/query/batch`, ([name = ''], body) => {
        const collection = this.collection(name);
        return parseBody(QueryBatchSchema, body).searches.map((search) => collection.query(search));
      }),
    ];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    const raw = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let body: unknown;
    let jsonError: string | undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch (error) {
        jsonError = error instanceof Error ? error.message : String(error);
      }
    }
    const record: RecordedQdrantRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers,
      body,
      receivedAt: Date.now(),
    };
    this.requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));

    const url = new URL(record.path, 'http://qdrant.test');
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (this.options.apiKey !== undefined) {
      const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
      if ((headers['api-key'] ?? bearer) !== this.options.apiKey) {
        return this.sendError(
          res,
          401,
          'Must provide an API key or an Authorization bearer token',
          elapsed(),
        );
      }
    }
    if (record.method === 'GET' && path === '/') {
      return this.sendJson(res, 200, {
        title: 'qdrant - vector search engine',
        version: this.options.version ?? DEFAULT_VERSION,
        commit: 'qdrant-test-server',
      });
    }
    if (record.method === 'GET' && ['/healthz', '/livez', '/readyz'].includes(path)) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${path.slice(1)} check passed`);
      return;
    }

    for (const { method, pattern, handle } of this.routes) {
      const match = pattern.exec(path);
      if (!match || method !== record.method) continue;
      try {
        if (jsonError !== undefined) throw formatError(jsonError);
        const params = match.slice(1).map((p) => decodeURIComponent(p));
        const result = handle(params, body, url.searchParams);
        return this.sendJson(res, 200, { result, status: 'ok', time: elapsed() });
      } catch (error) {
        if (error instanceof QdrantApiError)
          return this.sendError(res, error.status, error.message, elapsed());
        throw error;
      }
    }
    return this.sendError(res, 404, notFound(`${record.method} ${path}`).message, elapsed());
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }

  private sendError(res: ServerResponse, status: number, message: string, time: number): void {
    this.sendJson(res, status, { status: { error: message }, time });
  }
}

const batchPoints = (batch: {
  ids: unknown[];
  vectors: VectorInput[] | Record<string, VectorInput[]>;
  payloads?: (Record<string, unknown> | null | undefined)[] | null | undefined;
}): {
  id: unknown;
  vector: VectorInput | Record<string, VectorInput>;
  payload: Record<string, unknown> | null | undefined;
}[] =>
  batch.ids.map((id, i) => {
    let vector: VectorInput | Record<string, VectorInput>;
    if (Array.isArray(batch.vectors)) {
      const v = batch.vectors[i];
      if (v === undefined) throw formatError(`batch.vectors: expected ${batch.ids.length} vectors`);
      vector = v;
    } else {
      const named: Record<string, VectorInput> = {};
      for (const [name, list] of Object.entries(batch.vectors)) {
        const v = list[i];
        if (v !== undefined) named[name] = v;
      }
      vector = named;
    }
    return { id, vector, payload: batch.payloads?.[i] };
  });

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
