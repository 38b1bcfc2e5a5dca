import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { revertAllMigrations } from '@lib/database';
import { chunkId } from '../../chunk';
import type { StoredChunk } from '../../ports';
import { CreateKnowledgeChunks1764000200000 } from './create-knowledge-chunks.migration';
import { KnowledgeChunkEntity } from './knowledge-chunk.entity';
import { PostgresVectorStore } from './postgres-vector-store';

const SCHEMA = 'retrievalpg';

function stored(
  tenantId: string,
  documentId: string,
  index: number,
  sparse: [number, number][],
  dense = [1, 0, 0],
): StoredChunk {
  return {
    id: chunkId(tenantId, documentId, index),
    dense,
    sparse: { indices: sparse.map(([i]) => i), values: sparse.map(([, v]) => v) },
    payload: {
      tenantId,
      documentId,
      chunkIndex: index,
      title: 'T',
      section: 'S',
      source: 'src',
      checksum: 'c',
      text: `${documentId}#${index}`,
    },
  };
}

describe('PostgresVectorStore (details beyond the contract)', () => {
  let db: MigratedServiceDatabase;
  let store: PostgresVectorStore;

  beforeAll(async () => {
    db = await createMigratedDatabase({
      schema: SCHEMA,
      entities: [KnowledgeChunkEntity],
      migrations: [CreateKnowledgeChunks1764000200000],
    });
    store = new PostgresVectorStore(db.uow);
    await store.ensureCollection(3);
  });
  afterAll(() => db.close());

  it('creates the table in the DataSource schema, with the tenant/document index', async () => {
    const indexes: { indexname: string }[] = await db.dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'knowledge_chunks'`,
      [SCHEMA],
    );
    expect(indexes.map((i) => i.indexname)).toContain('knowledge_chunks_tenant_document_idx');
  });

  it('stores unsigned 32-bit sparse indices (above 2^31) and matches them', async () => {
    const high = 0xfffffff0;
    const d = stored('t-high', 'd', 0, [[high, 1]], [0, 1, 0]);
    const e = stored('t-high', 'e', 0, [[5, 1]], [1, 0, 0]);
    await store.upsert([d, e]);
    const query = {
      tenantId: 't-high',
      dense: [1, 0, 0],
      sparse: { indices: [high], values: [1] },
      limit: 2,
    };
    expect(await store.rankings(query, 8)).toEqual({ dense: [e.id, d.id], sparse: [d.id] });
  });

  it("ranks keywords by BM25: rare terms above common ones (IDF over the tenant's chunks)", async () => {
    const tenant = 't-idf';
    // Term 1 is in three of four chunks, term 2 only in "rare"; same term weights.
    const common = stored(tenant, 'common-a', 0, [
      [1, 1],
      [3, 1],
    ]);
    const rare = stored(tenant, 'rare', 0, [[2, 1]]);
    await store.upsert([
      common,
      stored(tenant, 'common-b', 0, [
        [1, 1],
        [3, 1],
      ]),
      rare,
      stored(tenant, 'common-c', 0, [[1, 1]]),
      // Another tenant's chunks do not change this tenant's IDF.
      ...[0, 1, 2, 3, 4].map((i) => stored('t-idf-other', 'x', i, [[2, 1]])),
    ]);
    const { sparse } = await store.rankings(
      { tenantId: tenant, dense: [1, 0, 0], sparse: { indices: [1, 2], values: [1, 1] }, limit: 1 },
      10,
    );
    expect(sparse).toHaveLength(4);
    expect(sparse[0]).toBe(rare.id);
    // A higher term weight wins among equal IDFs: "common-a" (weight 1 on term 1) vs a chunk with 0.5.
    await store.upsert([stored(tenant, 'weak', 0, [[1, 0.5]])]);
    const again = await store.rankings(
      { tenantId: tenant, dense: [1, 0, 0], sparse: { indices: [1], values: [1] }, limit: 1 },
      10,
    );
    expect(again.sparse.indexOf(common.id)).toBeLessThan(again.sparse.indexOf(chunkId(tenant, 'weak', 0)));
  });

  it('refuses to overwrite a chunk id that belongs to another tenant, and writes nothing of that batch', async () => {
    const victim = stored('t-victim', 'd', 0, [[1, 1]]);
    await store.upsert([victim]);
    const attack = { ...victim, payload: { ...victim.payload, tenantId: 't-attacker', text: 'overwritten' } };
    const innocent = stored('t-attacker', 'other', 0, [[1, 1]]);
    await expect(store.upsert([innocent, attack])).rejects.toThrow(/another tenant/);
    const [row]: { tenant_id: string; text: string }[] = await db.uow.manager.query(
      `SELECT tenant_id, text FROM "${SCHEMA}"."knowledge_chunks" WHERE id = $1`,
      [victim.id],
    );
    expect(row).toEqual({ tenant_id: 't-victim', text: victim.payload.text });
    const attackerRows: unknown[] = await db.uow.manager.query(
      `SELECT 1 FROM "${SCHEMA}"."knowledge_chunks" WHERE tenant_id = 't-attacker'`,
    );
    expect(attackerRows).toHaveLength(0);
  });

  it('keeps the last version when an upsert repeats an id', async () => {
    const first = stored('t-dup', 'd', 0, [[1, 1]]);
    const second = { ...first, payload: { ...first.payload, text: 'second' } };
    await store.upsert([first, second]);
    const hits = await store.search({
      tenantId: 't-dup',
      dense: [1, 0, 0],
      sparse: { indices: [1], values: [1] },
      limit: 5,
    });
    expect(hits.map((h) => h.payload.text)).toEqual(['second']);
  });

  it('rejects vectors of the wrong size once the size is known', async () => {
    await expect(store.upsert([stored('t-size', 'd', 0, [], [1, 0])])).rejects.toThrow(/2 dimensions.*3/);
    await expect(
      store.search({
        tenantId: 't-size',
        dense: [1, 0, 0, 0],
        sparse: { indices: [], values: [] },
        limit: 1,
      }),
    ).rejects.toThrow(/4 dimensions/);
  });

  it('after the migration is reverted (down drops the table), says which migration is missing', async () => {
    await revertAllMigrations(db.dataSource);
    await expect(new PostgresVectorStore(db.uow).ensureCollection(3)).rejects.toThrow(
      /CreateKnowledgeChunks1764000200000/,
    );
  });
});
