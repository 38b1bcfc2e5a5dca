import { schemaOf, type UnitOfWork } from '@lib/database';
import { assertChunkId, assertSparse, assertTenant, ChunkPayloadSchema } from '../../chunk';
import { l2Normalize } from '../../embeddings/local-hash-embedding-provider';
import { reciprocalRankFusion, RRF_K } from '../../fusion/reciprocal-rank-fusion';
import type { ChunkPayload, HybridQuery, SearchHit, StoredChunk, VectorStore } from '../../ports';

export interface PostgresVectorStoreOptions {
  /** Rows per INSERT statement. */
  readonly batchSize?: number;
}

interface IdRow {
  readonly id: string;
}

interface PayloadRow {
  readonly id: string;
  readonly tenant_id: string;
  readonly document_id: string;
  readonly chunk_index: number;
  readonly title: string;
  readonly section: string;
  readonly source: string;
  readonly checksum: string;
  readonly text: string;
}

const COLUMNS_PER_ROW = 12;

/** PostgreSQL integers are signed: a 32-bit unsigned hash index is stored as its signed twin. */
const toSigned = (index: number): number => index | 0;

/**
 * The embedded vector store: chunks in PostgreSQL (`knowledge_chunks`, in the schema of the UnitOfWork's
 * DataSource), searched without any extension. Both rankings are computed in SQL over the tenant's rows:
 * dense cosine similarity by a full scan (vectors are stored unit-length, so it is a dot product), BM25 (the
 * sparse term weights times an IDF computed over the tenant's chunks); then the same reciprocal-rank fusion
 * as Qdrant, in Node.
 *
 * A full scan per query: about 0.2 s for 3,000 chunks of 384 dimensions on a small machine. Fine for a
 * knowledge base of a few thousand chunks per tenant; beyond that, use Qdrant (set QDRANT_URL).
 */
export class PostgresVectorStore implements VectorStore {
  private readonly table: string;
  private readonly batchSize: number;
  private dimensions: number | undefined;

  constructor(
    private readonly uow: UnitOfWork,
    options: PostgresVectorStoreOptions = {},
  ) {
    this.table = `"${schemaOf(uow.dataSource)}"."knowledge_chunks"`;
    this.batchSize = options.batchSize ?? 200;
  }

  async ensureCollection(dimensions: number): Promise<void> {
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new Error(`ensureCollection: dimensions must be a positive integer, got ${dimensions}`);
    }
    const rows = await this.query<{ size: number }>(
      `SELECT cardinality("dense") AS "size" FROM ${this.table} WHERE cardinality("dense") <> $1 LIMIT 1`,
      [dimensions],
    );
    if (rows.length > 0) {
      throw new Error(
        `The embedded vector store (${this.table}) holds vectors of ${rows[0].size} dimensions, but the ` +
          `embedding provider makes ${dimensions}: delete and re-ingest the knowledge base, or go back to the ` +
          'previous embedding provider',
      );
    }
    this.dimensions = dimensions;
  }

  async upsert(chunks: readonly StoredChunk[]): Promise<void> {
    for (const chunk of chunks) {
      assertChunkId(chunk.id);
      assertTenant(chunk.payload.tenantId);
      assertSparse(chunk.sparse.indices, chunk.sparse.values);
      this.assertDimensions(chunk.dense.length);
    }
    // The last version of an id wins, as in Qdrant (one INSERT cannot update a row twice).
    const unique = [...new Map(chunks.map((chunk) => [chunk.id, chunk])).values()];
    if (unique.length === 0) return;
    // One transaction: a batch that would overwrite another tenant's chunk leaves nothing behind.
    await this.uow.run(async () => {
      for (let start = 0; start < unique.length; start += this.batchSize) {
        await this.insertBatch(unique.slice(start, start + this.batchSize));
      }
    });
  }

  async deleteDocument(tenantId: string, documentId: string): Promise<void> {
    assertTenant(tenantId);
    await this.query(`DELETE FROM ${this.table} WHERE "tenant_id" = $1 AND "document_id" = $2`, [
      tenantId,
      documentId,
    ]);
  }

  async search(query: HybridQuery): Promise<SearchHit[]> {
    assertTenant(query.tenantId);
    assertSparse(query.sparse.indices, query.sparse.values);
    this.assertDimensions(query.dense.length);
    if (query.limit < 1 || (query.documentIds && query.documentIds.length === 0)) return [];
    const { dense, sparse } = await this.rankings(query, 4 * query.limit);
    const fused = reciprocalRankFusion([dense, sparse], RRF_K).slice(0, query.limit);
    if (fused.length === 0) return [];

    const rows = await this.query<PayloadRow>(
      `SELECT "id", "tenant_id", "document_id", "chunk_index", "title", "section", "source", "checksum", "text"
       FROM ${this.table} WHERE "tenant_id" = $1 AND "id" = ANY($2::uuid[])`,
      [query.tenantId, fused.map((hit) => hit.id)],
    );
    const payloads = new Map(rows.map((row) => [row.id, toPayload(row)]));
    const hits: SearchHit[] = [];
    for (const { id, score } of fused) {
      const payload = payloads.get(id);
      if (payload) hits.push({ id, score, payload }); // a chunk deleted meanwhile is simply left out
    }
    return hits;
  }

  /**
   * The two rankings before fusion, best first, `candidates` ids each: dense (cosine similarity) and sparse
   * (BM25 with IDF over the tenant's chunks). Public for diagnostics and tests.
   */
  async rankings(query: HybridQuery, candidates: number): Promise<{ dense: string[]; sparse: string[] }> {
    assertTenant(query.tenantId);
    const documentIds = query.documentIds ? [...query.documentIds] : null;

    // Two independent scans: in parallel on two pooled connections (queued on one inside a transaction).
    const densePromise = this.query<IdRow>(
      `SELECT "id" FROM ${this.table}
       WHERE "tenant_id" = $1
         AND ($3::varchar[] IS NULL OR "document_id" = ANY($3::varchar[]))
         AND cardinality("dense") = cardinality($2::real[])
       ORDER BY (SELECT sum(a * b) FROM unnest("dense", $2::real[]) AS u(a, b)) DESC, "id"
       LIMIT $4`,
      [query.tenantId, [...query.dense], documentIds, candidates],
    );

    const sparsePromise =
      query.sparse.indices.length === 0
        ? Promise.resolve([])
        : this.query<IdRow>(
            `WITH q AS (
               SELECT * FROM unnest($2::int[], $3::real[]) AS q("idx", "weight")
             ),
             tenant_chunks AS (
               SELECT "id", "document_id", "sparse_indices", "sparse_values" FROM ${this.table}
               WHERE "tenant_id" = $1
             ),
             total AS (SELECT count(*)::float8 AS "n" FROM tenant_chunks),
             matches AS (
               SELECT c."id", c."document_id", s."idx", s."value"
               FROM tenant_chunks c
               CROSS JOIN LATERAL unnest(c."sparse_indices", c."sparse_values") AS s("idx", "value")
               WHERE c."sparse_indices" && $2::int[] AND s."idx" = ANY($2::int[])
             ),
             df AS (SELECT "idx", count(*)::float8 AS "df" FROM matches GROUP BY "idx")
             SELECT m."id"
             FROM matches m
             JOIN q USING ("idx")
             JOIN df USING ("idx")
             CROSS JOIN total
             WHERE $4::varchar[] IS NULL OR m."document_id" = ANY($4::varchar[])
             GROUP BY m."id"
             ORDER BY sum(
               q."weight"::float8 * m."value"::float8
               * ln(1 + (total."n" - df."df" + 0.5) / (df."df" + 0.5))
             ) DESC, m."id"
             LIMIT $5`,
            [
              query.tenantId,
              query.sparse.indices.map(toSigned),
              [...query.sparse.values],
              documentIds,
              candidates,
            ],
          );

    const [dense, sparse] = await Promise.all([densePromise, sparsePromise]);
    return { dense: dense.map((r) => r.id), sparse: sparse.map((r) => r.id) };
  }

  private async insertBatch(batch: readonly StoredChunk[]): Promise<void> {
    const params: unknown[] = [];
    const tuples = batch.map((chunk, row) => {
      const p = chunk.payload;
      params.push(
        chunk.id,
        p.tenantId,
        p.documentId,
        p.chunkIndex,
        p.title,
        p.section,
        p.source,
        p.checksum,
        p.text,
        // Stored unit-length (as Qdrant does for Cosine): the dot product is then the cosine similarity.
        l2Normalize([...chunk.dense]),
        chunk.sparse.indices.map(toSigned),
        [...chunk.sparse.values],
      );
      const base = row * COLUMNS_PER_ROW;
      const placeholders = Array.from({ length: COLUMNS_PER_ROW }, (_, i) => `$${base + i + 1}`);
      placeholders[9] += '::real[]';
      placeholders[10] += '::int[]';
      placeholders[11] += '::real[]';
      return `(${placeholders.join(', ')})`;
    });
    const written = await this.query<IdRow>(
      `INSERT INTO ${this.table} ("id", "tenant_id", "document_id", "chunk_index", "title", "section", "source",
         "checksum", "text", "dense", "sparse_indices", "sparse_values")
       VALUES ${tuples.join(',\n')}
       ON CONFLICT ("id") DO UPDATE SET
         "document_id" = EXCLUDED."document_id", "chunk_index" = EXCLUDED."chunk_index",
         "title" = EXCLUDED."title", "section" = EXCLUDED."section", "source" = EXCLUDED."source",
         "checksum" = EXCLUDED."checksum", "text" = EXCLUDED."text", "dense" = EXCLUDED."dense",
         "sparse_indices" = EXCLUDED."sparse_indices", "sparse_values" = EXCLUDED."sparse_values"
       WHERE ${this.table}."tenant_id" = EXCLUDED."tenant_id"
       RETURNING "id"`,
      params,
    );
    if (written.length !== batch.length) {
      // The conflicting row belongs to another tenant: never overwrite it (ids come from chunkId()).
      throw new Error('upsert: a chunk id already belongs to another tenant; derive ids with chunkId()');
    }
  }

  private assertDimensions(length: number): void {
    if (this.dimensions !== undefined && length !== this.dimensions) {
      throw new Error(`Vector of ${length} dimensions, the store holds ${this.dimensions}`);
    }
  }

  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      return await this.uow.manager.query<T[]>(sql, params);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/relation .*knowledge_chunks.* does not exist/.test(message)) {
        throw new Error(
          `The embedded vector store's table ${this.table} is missing: run the migrations ` +
            '(CreateKnowledgeChunks1764000200000)',
          { cause: error },
        );
      }
      throw error;
    }
  }
}

function toPayload(row: PayloadRow): ChunkPayload {
  return ChunkPayloadSchema.parse({
    tenantId: row.tenant_id,
    documentId: row.document_id,
    chunkIndex: row.chunk_index,
    title: row.title,
    section: row.section,
    source: row.source,
    checksum: row.checksum,
    text: row.text,
  });
}
