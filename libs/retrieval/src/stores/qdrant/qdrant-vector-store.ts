import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { RRF_K } from '../../fusion/reciprocal-rank-fusion';
import { assertChunkId, assertSparse, assertTenant, ChunkPayloadSchema } from '../../chunk';
import type { HybridQuery, SearchHit, StoredChunk, VectorStore } from '../../ports';
import { QdrantClient, type QdrantSchemas as Schemas } from './qdrant-client';

export interface QdrantVectorStoreOptions {
  readonly url: string;
  /** Never logged. */
  readonly apiKey?: string;
  readonly collection: string;
  /** Points per upsert request. */
  readonly batchSize?: number;
  /** Client request timeout, ms. */
  readonly timeoutMs?: number;
  /** Ask the server for its version at startup (the client warns on a mismatch). Off by default. */
  readonly checkCompatibility?: boolean;
}

export const DENSE_VECTOR = 'dense';
export const SPARSE_VECTOR = 'sparse';
/** The payload fields every query filters on, indexed as keywords. */
const INDEXED_FIELDS = ['tenantId', 'documentId'] as const;

const CollectionInfoSchema = z.object({
  config: z.object({
    params: z.object({
      vectors: z.record(z.string(), z.unknown()).optional(),
      sparse_vectors: z.record(z.string(), z.unknown()).nullish(),
    }),
  }),
  payload_schema: z.record(z.string(), z.unknown()).optional(),
});

const ApiErrorSchema = z.object({
  status: z.number(),
  data: z
    .object({ status: z.object({ error: z.string() }).partial().optional() })
    .partial()
    .nullish(),
});

/**
 * The vector store on Qdrant (distributed mode). One collection for every tenant with two named vectors:
 * `dense` (cosine) and `sparse` (BM25 term weights, IDF applied by Qdrant via `modifier: 'idf'`), and keyword
 * payload indexes on `tenantId` and `documentId`. Search is one query-API call: a dense and a sparse prefetch,
 * both filtered by tenant, fused by reciprocal-rank fusion on the server.
 */
export class QdrantVectorStore implements VectorStore {
  private readonly logger = new Logger(QdrantVectorStore.name);
  private readonly client: QdrantClient;
  private readonly collection: string;
  private readonly batchSize: number;

  constructor(options: QdrantVectorStoreOptions) {
    this.client = new QdrantClient({
      url: options.url,
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 30_000,
      checkCompatibility: options.checkCompatibility ?? false,
    });
    this.collection = options.collection;
    this.batchSize = options.batchSize ?? 128;
  }

  async ensureCollection(dimensions: number): Promise<void> {
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new Error(`ensureCollection: dimensions must be a positive integer, got ${dimensions}`);
    }
    const { exists } = await this.call('check the collection', () =>
      this.client.collectionExists(this.collection),
    );
    if (!exists) {
      try {
        await this.client.createCollection(this.collection, {
          vectors: { [DENSE_VECTOR]: { size: dimensions, distance: 'Cosine' } },
          sparse_vectors: { [SPARSE_VECTOR]: { modifier: 'idf' } },
        });
        this.logger.log(`Created Qdrant collection ${this.collection} (${dimensions} dimensions)`);
      } catch (error) {
        // Another instance may have created it in the meantime: the checks below decide.
        const { exists: nowExists } = await this.call('check the collection', () =>
          this.client.collectionExists(this.collection),
        );
        if (!nowExists) throw this.wrap('create the collection', error);
      }
    }
    const info = CollectionInfoSchema.parse(
      await this.call('read the collection', () => this.client.getCollection(this.collection)),
    );
    const dense = z.object({ size: z.number() }).safeParse(info.config.params.vectors?.[DENSE_VECTOR]);
    if (!dense.success) {
      throw new Error(
        `Qdrant collection "${this.collection}" exists without a named vector "${DENSE_VECTOR}": ` +
          'it was not created by this service; use another QDRANT_COLLECTION',
      );
    }
    if (dense.data.size !== dimensions) {
      throw new Error(
        `Qdrant collection "${this.collection}" holds vectors of ${dense.data.size} dimensions, but the ` +
          `embedding provider makes ${dimensions}: re-ingest into a new collection (QDRANT_COLLECTION) or ` +
          'go back to the previous embedding provider',
      );
    }
    if (!info.config.params.sparse_vectors?.[SPARSE_VECTOR]) {
      throw new Error(`Qdrant collection "${this.collection}" has no sparse vector "${SPARSE_VECTOR}"`);
    }
    for (const field of INDEXED_FIELDS) {
      if (info.payload_schema?.[field] !== undefined) continue;
      await this.call(`index the payload field ${field}`, () =>
        this.client.createPayloadIndex(this.collection, {
          field_name: field,
          field_schema: 'keyword',
          wait: true,
        }),
      );
    }
  }

  async upsert(chunks: readonly StoredChunk[]): Promise<void> {
    for (const chunk of chunks) {
      assertChunkId(chunk.id);
      assertTenant(chunk.payload.tenantId);
      assertSparse(chunk.sparse.indices, chunk.sparse.values);
    }
    for (let start = 0; start < chunks.length; start += this.batchSize) {
      const points = chunks.slice(start, start + this.batchSize).map((chunk) => ({
        id: chunk.id,
        vector: {
          [DENSE_VECTOR]: [...chunk.dense],
          [SPARSE_VECTOR]: { indices: [...chunk.sparse.indices], values: [...chunk.sparse.values] },
        },
        payload: { ...chunk.payload },
      }));
      await this.call('upsert points', () => this.client.upsert(this.collection, { wait: true, points }));
    }
  }

  async deleteDocument(tenantId: string, documentId: string): Promise<void> {
    assertTenant(tenantId);
    await this.call('delete a document', () =>
      this.client.delete(this.collection, {
        wait: true,
        filter: { must: [match('tenantId', tenantId), match('documentId', documentId)] },
      }),
    );
  }

  async search(query: HybridQuery): Promise<SearchHit[]> {
    assertTenant(query.tenantId);
    if (query.limit < 1 || (query.documentIds && query.documentIds.length === 0)) return [];
    const must: Schemas['Condition'][] = [match('tenantId', query.tenantId)];
    if (query.documentIds) must.push({ key: 'documentId', match: { any: [...query.documentIds] } });
    const filter: Schemas['Filter'] = { must };
    const candidates = 4 * query.limit;
    const prefetch: Schemas['Prefetch'][] = [
      { query: [...query.dense], using: DENSE_VECTOR, limit: candidates, filter },
    ];
    // A query without keywords (only stopwords) has no sparse ranking to contribute.
    if (query.sparse.indices.length > 0) {
      prefetch.push({
        query: { indices: [...query.sparse.indices], values: [...query.sparse.values] },
        using: SPARSE_VECTOR,
        limit: candidates,
        filter,
      });
    }
    const response = await this.call('search', () =>
      this.client.query(this.collection, {
        prefetch,
        // k pinned (Qdrant's default is 2) so Qdrant and the embedded store fuse identically.
        query: { rrf: { k: RRF_K } },
        // The tenant filter again at the top level: fusion never sees another tenant's point.
        filter,
        limit: query.limit,
        with_payload: true,
        with_vector: false,
      }),
    );
    return response.points.map((point) => {
      const payload = ChunkPayloadSchema.parse(point.payload);
      if (payload.tenantId !== query.tenantId) {
        // Defence in depth: should the server ignore the filter, fail loudly rather than leak.
        throw new Error(`Qdrant returned a point of another tenant for collection "${this.collection}"`);
      }
      return { id: String(point.id), score: point.score, payload };
    });
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.wrap(what, error);
    }
  }

  private wrap(what: string, error: unknown): Error {
    // The client's ApiError carries the HTTP status and Qdrant's body `{ status: { error } }`.
    const api = ApiErrorSchema.safeParse(error);
    const detail = api.success
      ? `${api.data.status} ${api.data.data?.status?.error ?? (error as Error).message}`
      : error instanceof Error
        ? error.message
        : String(error);
    return new Error(`Qdrant: cannot ${what} on collection "${this.collection}": ${detail}`, {
      cause: error,
    });
  }
}

function match(key: string, value: string): Schemas['FieldCondition'] {
  return { key, match: { value } };
}
