import type { EmbeddingProvider, SparseEncoder, VectorStore } from '@lib/retrieval';
import { passageSourceId } from './document-id';

/** A retrieved passage, with what a citation needs. */
export interface KnowledgePassage {
  /** `kb:<documentId>#<chunkIndex>`: what the reply cites. */
  readonly sourceId: string;
  readonly title: string;
  readonly section: string;
  readonly source: string;
  readonly text: string;
  readonly score: number;
}

/**
 * Hybrid retrieval for one tenant: the query is embedded (dense) and keyword-encoded (sparse), the store fuses
 * both rankings (reciprocal-rank fusion) inside the tenant's filter. The tenant is always the caller's (the
 * tool context), never something found in a query.
 */
export class KnowledgeRetriever {
  private collectionReady?: Promise<void>;

  constructor(
    private readonly store: VectorStore,
    private readonly embeddings: EmbeddingProvider,
    private readonly sparse: SparseEncoder,
  ) {}

  async search(tenantId: string, query: string, limit: number): Promise<KnowledgePassage[]> {
    if (!tenantId) throw new Error('knowledge search needs a tenant');
    await this.ensureCollection();
    const [dense] = await this.embeddings.embed([query], 'query');
    const hits = await this.store.search({
      tenantId,
      dense,
      sparse: this.sparse.encode(query, 'query'),
      limit,
    });
    return (
      hits
        // The store filters by tenant already; a passage of another tenant must never get out even if it did not.
        .filter((hit) => hit.payload.tenantId === tenantId)
        .slice(0, limit)
        .map(({ payload, score }) => ({
          sourceId: passageSourceId(payload.documentId, payload.chunkIndex),
          title: payload.title,
          section: payload.section,
          source: payload.source,
          text: payload.text,
          score: Math.round(score * 1e6) / 1e6,
        }))
    );
  }

  private ensureCollection(): Promise<void> {
    this.collectionReady ??= this.store
      .ensureCollection(this.embeddings.dimensions)
      .catch((error: unknown) => {
        this.collectionReady = undefined;
        throw error;
      });
    return this.collectionReady;
  }
}
