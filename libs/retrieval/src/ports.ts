/**
 * The retrieval ports: how text becomes vectors, and where vectors are stored and searched. Implementations
 * live beside this file; the knowledge base (ingestion, knowledge_search) only uses these interfaces.
 */

/** A sparse vector (keyword weights): parallel arrays of term indices and weights, as Qdrant stores them. */
export interface SparseVector {
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

/** Turns text into dense vectors. The local default needs no model download; an HTTP provider calls an API. */
export interface EmbeddingProvider {
  /** e.g. "local-hash-v1" or "openai:text-embedding-3-small"; stored with the collection. */
  readonly name: string;
  readonly dimensions: number;
  embed(texts: readonly string[], purpose: 'document' | 'query'): Promise<number[][]>;
}

/** Turns text into sparse keyword vectors (BM25-style term weights) for the keyword half of hybrid search. */
export interface SparseEncoder {
  encode(text: string, purpose: 'document' | 'query'): SparseVector;
}

/** A chunk of a knowledge-base document, with everything a citation needs. */
export interface ChunkPayload {
  readonly tenantId: string;
  readonly documentId: string;
  readonly chunkIndex: number;
  readonly title: string;
  readonly section: string;
  /** Source URL or path, shown in citations. */
  readonly source: string;
  readonly checksum: string;
  readonly text: string;
}

export interface StoredChunk {
  /** Deterministic: the same document and chunk index always give the same id. */
  readonly id: string;
  readonly dense: readonly number[];
  readonly sparse: SparseVector;
  readonly payload: ChunkPayload;
}

export interface SearchHit {
  readonly id: string;
  /** Fused score (reciprocal-rank fusion of the dense and sparse rankings): higher is better. */
  readonly score: number;
  readonly payload: ChunkPayload;
}

export interface HybridQuery {
  /** Required: every query is filtered by tenant, inside the store (OWASP LLM08). */
  readonly tenantId: string;
  readonly dense: readonly number[];
  readonly sparse: SparseVector;
  readonly limit: number;
  /** Optional narrowing to some documents; an empty list matches nothing. */
  readonly documentIds?: readonly string[];
}

/** Where chunks live: Qdrant in distributed mode, the embedded store (PostgreSQL) in embedded mode. */
export interface VectorStore {
  /** Creates the collection (right vector size, payload indexes on tenant and document id) when missing. */
  ensureCollection(dimensions: number): Promise<void>;
  upsert(chunks: readonly StoredChunk[]): Promise<void>;
  /** Removes every chunk of a document of a tenant. */
  deleteDocument(tenantId: string, documentId: string): Promise<void>;
  /** Hybrid search: dense and sparse rankings fused with reciprocal-rank fusion, tenant-filtered. */
  search(query: HybridQuery): Promise<SearchHit[]>;
}
