import { randomUUID } from 'node:crypto';
// The Qdrant-compatible test server (libs/testing): a local HTTP server, so this is a unit-level spec.
import { QdrantTestServer } from '@lib/testing';
import { chunkId } from '../../chunk';
import { describeVectorStoreContract } from '../../testing/vector-store.contract';
import { QdrantVectorStore } from './qdrant-vector-store';

const server = new QdrantTestServer({ apiKey: 'qdrant-test-key' });

function storeOn(url: string, collection: string): QdrantVectorStore {
  return new QdrantVectorStore({ url, apiKey: 'qdrant-test-key', collection });
}

describeVectorStoreContract('QdrantVectorStore on the Qdrant test server', async () => {
  const url = await server.start();
  const collection = `contract_${randomUUID().slice(0, 8)}`;
  return {
    store: storeOn(url, collection),
    reopen: () => storeOn(url, collection),
    close: () => server.stop(),
  };
});

describe('QdrantVectorStore requests', () => {
  const qdrant = new QdrantTestServer({ apiKey: 'qdrant-test-key' });
  let url: string;

  beforeAll(async () => {
    url = await qdrant.start();
  });
  afterAll(() => qdrant.stop());
  beforeEach(() => qdrant.reset());

  const bodiesOf = (method: string, path: RegExp) =>
    qdrant.requests.filter((r) => r.method === method && path.test(r.path.split('?')[0])).map((r) => r.body);

  it('creates the collection with dense (cosine) and sparse (idf) vectors and keyword indexes, once', async () => {
    const store = storeOn(url, 'kb');
    await store.ensureCollection(8);
    await store.ensureCollection(8);
    expect(bodiesOf('PUT', /^\/collections\/kb$/)).toEqual([
      {
        vectors: { dense: { size: 8, distance: 'Cosine' } },
        sparse_vectors: { sparse: { modifier: 'idf' } },
      },
    ]);
    expect(bodiesOf('PUT', /^\/collections\/kb\/index$/)).toEqual([
      { field_name: 'tenantId', field_schema: 'keyword' },
      { field_name: 'documentId', field_schema: 'keyword' },
    ]);
    expect(qdrant.requests.every((r) => r.headers['api-key'] === 'qdrant-test-key')).toBe(true);
  });

  it('refuses an existing collection of another size, naming both sizes', async () => {
    await storeOn(url, 'kb').ensureCollection(8);
    await expect(storeOn(url, 'kb').ensureCollection(16)).rejects.toThrow(
      /holds vectors of 8 dimensions.*makes 16/,
    );
  });

  it('searches with a dense and a sparse prefetch, both tenant-filtered, fused by RRF (k = 60)', async () => {
    const store = storeOn(url, 'kb');
    await store.ensureCollection(4);
    await store.search({
      tenantId: 't1',
      dense: [1, 0, 0, 0],
      sparse: { indices: [7, 9], values: [1, 1] },
      limit: 3,
      documentIds: ['d1', 'd2'],
    });
    const [body] = bodiesOf('POST', /^\/collections\/kb\/points\/query$/);
    const filter = {
      must: [
        { key: 'tenantId', match: { value: 't1' } },
        { key: 'documentId', match: { any: ['d1', 'd2'] } },
      ],
    };
    expect(body).toEqual({
      prefetch: [
        { query: [1, 0, 0, 0], using: 'dense', limit: 12, filter },
        { query: { indices: [7, 9], values: [1, 1] }, using: 'sparse', limit: 12, filter },
      ],
      query: { rrf: { k: 60 } },
      filter,
      limit: 3,
      with_payload: true,
      with_vector: false,
    });
  });

  it('upserts in batches, waiting for each, and deletes by tenant and document', async () => {
    const store = new QdrantVectorStore({ url, apiKey: 'qdrant-test-key', collection: 'kb', batchSize: 2 });
    await store.ensureCollection(4);
    const chunks = [0, 1, 2].map((i) => ({
      id: chunkId('t1', 'd1', i),
      dense: [1, i, 0, 0],
      sparse: { indices: [i], values: [1] },
      payload: {
        tenantId: 't1',
        documentId: 'd1',
        chunkIndex: i,
        title: 'T',
        section: 'S',
        source: 's',
        checksum: 'c',
        text: `chunk ${i}`,
      },
    }));
    await store.upsert(chunks);
    const upserts = qdrant.requests.filter(
      (r) => r.method === 'PUT' && r.path.startsWith('/collections/kb/points?'),
    );
    expect(upserts.map((r) => (r.body as { points: unknown[] }).points.length)).toEqual([2, 1]);
    expect(upserts.every((r) => r.path.includes('wait=true'))).toBe(true);
    expect(qdrant.storedPoints('kb')).toHaveLength(3);

    await store.deleteDocument('t1', 'd1');
    expect(bodiesOf('POST', /^\/collections\/kb\/points\/delete$/)).toEqual([
      {
        filter: {
          must: [
            { key: 'tenantId', match: { value: 't1' } },
            { key: 'documentId', match: { value: 'd1' } },
          ],
        },
      },
    ]);
    expect(qdrant.storedPoints('kb')).toHaveLength(0);
  });

  it("reports Qdrant's error with the operation and collection", async () => {
    await expect(
      storeOn(url, 'missing').search({
        tenantId: 't',
        dense: [1],
        sparse: { indices: [], values: [] },
        limit: 1,
      }),
    ).rejects.toThrow(/Qdrant: cannot search on collection "missing": 404 .*missing/);
  });

  it('rejects ids that Qdrant would not accept, before calling it', async () => {
    const store = storeOn(url, 'kb');
    await expect(
      store.upsert([
        {
          id: 'pricing-0',
          dense: [1],
          sparse: { indices: [], values: [] },
          payload: {
            tenantId: 't',
            documentId: 'd',
            chunkIndex: 0,
            title: '',
            section: '',
            source: '',
            checksum: '',
            text: '',
          },
        },
      ]),
    ).rejects.toThrow(/uuid/);
    expect(qdrant.requests).toHaveLength(0);
  });
});
