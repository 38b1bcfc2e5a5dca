// The real @qdrant/js-client-rest against QdrantTestServer over local HTTP.
import type * as QdrantModule from '@qdrant/js-client-rest' with { 'resolution-mode': 'import' };
import { QdrantTestServer } from './qdrant-test-server';

// The package is ESM-typed ("type": "module") but ships a CJS build: TypeScript (module node16, CJS output)
// refuses a value import, so the types come from an import-mode type import and the value from require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { QdrantClient } = require('@qdrant/js-client-rest') as typeof QdrantModule;
type Client = QdrantModule.QdrantClient;

const KB = 'kb';
const OTHER_TENANT_POINT = '6f1c2b7e-8a4d-4c1e-9b2a-3d5e7f9a1b2c';

const points = [
  { id: 1, dense: [1, 0, 0, 0], sparse: { indices: [10], values: [1] }, tenant: 'a', doc: 'd1' },
  { id: 2, dense: [0.9, 0.1, 0, 0], sparse: { indices: [20], values: [1] }, tenant: 'a', doc: 'd2' },
  { id: 3, dense: [0, 1, 0, 0], sparse: { indices: [10, 20], values: [2, 1] }, tenant: 'a', doc: 'd3' },
  // The best match for every query below, in both vectors, but another tenant's.
  {
    id: OTHER_TENANT_POINT,
    dense: [1, 0, 0, 0],
    sparse: { indices: [10], values: [5] },
    tenant: 'b',
    doc: 'd9',
  },
];

const tenant = (id: string): QdrantModule.Schemas['Filter'] => ({
  must: [{ key: 'tenant', match: { value: id } }],
});

const apiError = (status: number, error: string): Record<string, unknown> => ({
  status,
  data: { status: { error } },
});

describe('QdrantTestServer with the real @qdrant/js-client-rest', () => {
  const server = new QdrantTestServer();
  let client: Client;

  beforeAll(async () => {
    client = new QdrantClient({ url: await server.start(), checkCompatibility: false });
  });
  afterAll(async () => {
    await server.stop();
  });

  beforeEach(async () => {
    server.reset();
    await client.createCollection(KB, {
      vectors: { dense: { size: 4, distance: 'Cosine' } },
      sparse_vectors: { sparse: {} },
    });
    await client.createPayloadIndex(KB, {
      field_name: 'tenant',
      field_schema: { type: 'keyword', is_tenant: true },
    });
    await client.createPayloadIndex(KB, { field_name: 'doc', field_schema: 'keyword' });
    await client.upsert(KB, {
      wait: true,
      points: points.map((p) => ({
        id: p.id,
        vector: { dense: p.dense, sparse: p.sparse },
        payload: { tenant: p.tenant, doc: p.doc, title: `Doc ${p.doc}` },
      })),
    });
  });

  it('creates collections with named dense and sparse vectors and reports them with the payload schema', async () => {
    await expect(client.collectionExists(KB)).resolves.toEqual({ exists: true });
    await expect(client.collectionExists('nope')).resolves.toEqual({ exists: false });
    await expect(client.getCollections()).resolves.toEqual({ collections: [{ name: KB }] });

    const info = await client.getCollection(KB);
    expect(info.points_count).toBe(4);
    expect(info.config.params.vectors).toEqual({ dense: { size: 4, distance: 'Cosine' } });
    expect(info.config.params.sparse_vectors).toEqual({ sparse: {} });
    expect(info.payload_schema).toEqual({
      tenant: { data_type: 'keyword', params: { type: 'keyword', is_tenant: true }, points: 4 },
      doc: { data_type: 'keyword', points: 4 },
    });

    await client.createCollection('plain', { vectors: { size: 3, distance: 'Dot' } });
    expect((await client.getCollection('plain')).config.params.vectors).toEqual({ size: 3, distance: 'Dot' });
    await expect(client.deleteCollection('plain')).resolves.toBe(true);
    await expect(client.collectionExists('plain')).resolves.toEqual({ exists: false });
  });

  it('answers with Qdrant envelope, and passes `wait` as a query parameter', async () => {
    const response = await fetch(`${server.url}/collections/${KB}/exists`);
    expect(await response.json()).toEqual({
      result: { exists: true },
      status: 'ok',
      time: expect.any(Number),
    });

    const upsert = server.requests.find(
      (r) => r.method === 'PUT' && r.path.startsWith(`/collections/${KB}/points`),
    );
    expect(upsert?.path).toBe(`/collections/${KB}/points?wait=true`);

    await expect(client.upsert(KB, { wait: false, points: [] })).resolves.toMatchObject({
      status: 'acknowledged',
    });
    await expect(client.delete(KB, { points: [2], wait: true })).resolves.toMatchObject({
      status: 'completed',
    });
  });

  it('counts, retrieves and scrolls with filters', async () => {
    await expect(client.count(KB)).resolves.toEqual({ count: 4 });
    await expect(client.count(KB, { filter: tenant('a') })).resolves.toEqual({ count: 3 });
    await expect(
      client.count(KB, {
        filter: { must: [tenant('a')], must_not: [{ key: 'doc', match: { any: ['d1', 'd2'] } }] },
      }),
    ).resolves.toEqual({ count: 1 });
    await expect(
      client.count(KB, { filter: { must: [{ has_id: [1, OTHER_TENANT_POINT] }] } }),
    ).resolves.toEqual({
      count: 2,
    });
    await expect(
      client.count(KB, {
        filter: {
          should: [
            { key: 'doc', match: { value: 'd9' } },
            { key: 'doc', match: { value: 'd2' } },
          ],
        },
      }),
    ).resolves.toEqual({ count: 2 });

    // UUIDs are accepted in any case and answered in Qdrant's canonical form.
    const retrieved = await client.retrieve(KB, {
      ids: [OTHER_TENANT_POINT.toUpperCase(), 3, 404],
      with_vector: true,
    });
    expect(retrieved.map((r) => r.id)).toEqual([OTHER_TENANT_POINT, 3]);
    expect(retrieved[1]?.payload).toEqual({ tenant: 'a', doc: 'd3', title: 'Doc d3' });
    expect(retrieved[1]?.vector).toEqual({
      dense: [0, 1, 0, 0],
      sparse: { indices: [10, 20], values: [2, 1] },
    });

    const firstPage = await client.scroll(KB, { filter: tenant('a'), limit: 2, with_payload: ['doc'] });
    expect(firstPage.points).toEqual([
      { id: 1, payload: { doc: 'd1' } },
      { id: 2, payload: { doc: 'd2' } },
    ]);
    expect(firstPage.next_page_offset).toBe(3);
    const lastPage = await client.scroll(KB, { filter: tenant('a'), limit: 2, offset: 3 });
    expect(lastPage.points.map((p) => p.id)).toEqual([3]);
    expect(lastPage.next_page_offset).toBeNull();
  });

  it('queries the dense vector (cosine) within a tenant', async () => {
    const { points: found } = await client.query(KB, {
      query: [2, 0, 0, 0],
      using: 'dense',
      filter: tenant('a'),
      limit: 2,
      with_payload: true,
    });
    expect(found.map((p) => p.id)).toEqual([1, 2]);
    expect(found[0]?.score).toBeCloseTo(1, 6);
    expect(found[1]?.score).toBeCloseTo(0.9 / Math.sqrt(0.82), 6);
    expect(found[0]?.payload).toEqual({ tenant: 'a', doc: 'd1', title: 'Doc d1' });
    expect(found[0]?.version).toEqual(expect.any(Number));

    const paged = await client.query(KB, {
      query: [1, 0, 0, 0],
      using: 'dense',
      filter: tenant('a'),
      offset: 1,
      limit: 1,
    });
    expect(paged.points.map((p) => p.id)).toEqual([2]);
    expect(paged.points[0]?.payload).toBeUndefined(); // with_payload defaults to false on the query API

    const thresholded = await client.query(KB, { query: [1, 0, 0, 0], using: 'dense', score_threshold: 0.5 });
    expect(thresholded.points.map((p) => p.id)).toEqual([1, OTHER_TENANT_POINT, 2]);
  });

  it('queries the sparse vector (dot product over shared indices only)', async () => {
    const { points: found } = await client.query(KB, {
      query: { indices: [10], values: [1] },
      using: 'sparse',
      filter: tenant('a'),
    });
    expect(found.map((p) => [p.id, p.score])).toEqual([
      [3, 2],
      [1, 1],
    ]);
  });

  it('fuses dense and sparse prefetches with reciprocal rank fusion as Qdrant does (k = 2)', async () => {
    // dense ranks 1, 2, 3; sparse ranks 3, 1 (2 shares no index). 1: 1/2 + 1/3; 3: 1/4 + 1/2; 2: 1/3.
    const { points: fused } = await client.query(KB, {
      prefetch: [
        { query: [1, 0, 0, 0], using: 'dense', limit: 10 },
        { query: { indices: [10], values: [1] }, using: 'sparse', limit: 10 },
      ],
      query: { fusion: 'rrf' },
      filter: tenant('a'),
      limit: 10,
      with_payload: ['doc'],
    });
    expect(fused.map((p) => p.id)).toEqual([1, 3, 2]);
    expect(fused.map((p) => p.score)).toEqual([
      expect.closeTo(1 / 2 + 1 / 3, 6),
      expect.closeTo(1 / 4 + 1 / 2, 6),
      expect.closeTo(1 / 3, 6),
    ]);
    expect(fused[0]?.payload).toEqual({ doc: 'd1' });

    const withK = await client.query(KB, {
      prefetch: [
        { query: [1, 0, 0, 0], using: 'dense', filter: tenant('a') },
        { query: { indices: [10], values: [1] }, using: 'sparse', filter: tenant('a') },
      ],
      query: { rrf: { k: 60 } },
    });
    expect(withK.points[0]?.score).toBeCloseTo(1 / 60 + 1 / 61, 6);
  });

  it('applies the top-level filter inside every prefetch: another tenant never comes back', async () => {
    const hybrid = (filter?: QdrantModule.Schemas['Filter']) =>
      client.query(KB, {
        prefetch: [
          { query: [1, 0, 0, 0], using: 'dense', limit: 2 },
          { query: { indices: [10], values: [1] }, using: 'sparse', limit: 2 },
        ],
        query: { fusion: 'rrf' },
        ...(filter ? { filter } : {}),
      });

    // Without the filter the other tenant's point wins both lists: the assertion below can fail.
    expect((await hybrid()).points[0]?.id).toBe(OTHER_TENANT_POINT);

    const filtered = await hybrid(tenant('a'));
    expect(filtered.points.map((p) => p.id)).not.toContain(OTHER_TENANT_POINT);
    expect(filtered.points.map((p) => p.id)).toEqual([1, 3, 2]); // prefetch limit 2 filled from tenant a only

    const dbsf = await client.query(KB, {
      prefetch: [
        { query: [1, 0, 0, 0], using: 'dense' },
        { query: { indices: [10], values: [1] }, using: 'sparse' },
      ],
      query: { fusion: 'dbsf' },
      filter: tenant('b'),
    });
    expect(dbsf.points.map((p) => p.id)).toEqual([OTHER_TENANT_POINT]);
  });

  it('rescores prefetched candidates with a vector query', async () => {
    const { points: rescored } = await client.query(KB, {
      prefetch: { query: { indices: [10], values: [1] }, using: 'sparse', filter: tenant('a') },
      query: [0, 1, 0, 0],
      using: 'dense',
    });
    // Only the sparse candidates (3, 1), reordered by the dense vector.
    expect(rescored.map((p) => p.id)).toEqual([3, 1]);
  });

  it('weights sparse queries by idf when the sparse vector has the idf modifier', async () => {
    await client.createCollection('bm25', { sparse_vectors: { text: { modifier: 'idf' } } });
    await client.upsert('bm25', {
      points: [
        { id: 1, vector: { text: { indices: [1, 2], values: [1, 1] } } },
        { id: 2, vector: { text: { indices: [1], values: [1] } } },
        { id: 3, vector: { text: { indices: [1], values: [1] } } },
        { id: 4, vector: { text: { indices: [3], values: [1] } } },
      ],
    });
    const { points: found } = await client.query('bm25', {
      query: { indices: [1, 2], values: [1, 1] },
      using: 'text',
    });
    const idf = (n: number): number => Math.log(1 + (4 - n + 0.5) / (n + 0.5));
    expect(found.map((p) => p.id)).toEqual([1, 2, 3]);
    expect(found[0]?.score).toBeCloseTo(idf(3) + idf(1), 6);
    expect(found[1]?.score).toBeCloseTo(idf(3), 6);
  });

  it('deletes points by id and by filter', async () => {
    await client.delete(KB, { wait: true, filter: tenant('b') });
    await expect(client.count(KB)).resolves.toEqual({ count: 3 });
    await client.delete(KB, { wait: true, points: [1, 2] });
    expect(server.storedPoints(KB).map((p) => p.id)).toEqual([3]);
    expect(
      server.requests.filter((r) => r.path.startsWith(`/collections/${KB}/points/delete`)).map((r) => r.path),
    ).toEqual([`/collections/${KB}/points/delete?wait=true`, `/collections/${KB}/points/delete?wait=true`]);
  });

  it('answers errors with Qdrant statuses and messages', async () => {
    await expect(client.query('missing', { query: [1, 0, 0, 0] })).rejects.toMatchObject(
      apiError(404, "Not found: Collection `missing` doesn't exist!"),
    );
    await expect(client.getCollection('missing')).rejects.toMatchObject({ status: 404 });
    await expect(
      client.upsert(KB, { points: [{ id: 7, vector: { dense: [1, 0, 0] } }] }),
    ).rejects.toMatchObject(apiError(400, 'Wrong input: Vector dimension error: expected dim: 4, got 3'));
    await expect(client.query(KB, { query: [1, 0], using: 'dense' })).rejects.toMatchObject(
      apiError(400, 'Wrong input: Vector dimension error: expected dim: 4, got 2'),
    );
    await expect(client.query(KB, { query: [1, 0, 0, 0], using: 'colbert' })).rejects.toMatchObject(
      apiError(400, 'Wrong input: Not existing vector name error: colbert'),
    );
    await expect(
      client.createCollection(KB, { vectors: { size: 4, distance: 'Cosine' } }),
    ).rejects.toMatchObject(apiError(409, 'Wrong input: Collection `kb` already exists!'));
    await expect(
      client.upsert(KB, { points: [{ id: 'not-a-uuid', vector: { dense: [1, 0, 0, 0] } }] }),
    ).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      client.upsert(KB, { points: [{ id: 8, vector: { sparse: { indices: [1, 2], values: [1] } } }] }),
    ).rejects.toMatchObject({ status: 422 });
    // A failed upsert leaves the collection unchanged.
    await expect(client.count(KB)).resolves.toEqual({ count: 4 });
    expect(server.requests.filter((r) => r.status !== undefined && r.status >= 400)).toHaveLength(8);
  });
});

describe('QdrantTestServer version and api key', () => {
  it('passes the client compatibility check by default, and reports the configured version', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const current = new QdrantTestServer();
    const outdated = new QdrantTestServer({ version: '1.15.0' });
    try {
      const clients = [
        new QdrantClient({ url: await current.start() }),
        new QdrantClient({ url: await outdated.start() }),
      ];
      await expect(clients[1]?.versionInfo()).resolves.toMatchObject({
        title: 'qdrant - vector search engine',
        version: '1.15.0',
      });
      await clients[0]?.versionInfo();
      // The constructor's check is not awaited by the client: give it a tick.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('incompatible with server version 1.15.0');
    } finally {
      warn.mockRestore();
      await current.stop();
      await outdated.stop();
    }
  });

  it('rejects requests without the configured api key with 401', async () => {
    const server = new QdrantTestServer({ apiKey: 'secret' });
    const url = await server.start();
    try {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined); // api key over http
      const good = new QdrantClient({ url, apiKey: 'secret', checkCompatibility: false });
      const bad = new QdrantClient({ url, apiKey: 'wrong', checkCompatibility: false });
      warn.mockRestore();
      await expect(good.getCollections()).resolves.toEqual({ collections: [] });
      await expect(bad.getCollections()).rejects.toMatchObject({ status: 401 });
    } finally {
      await server.stop();
    }
  });
});
