export * from './qdrant-test-server';
export type { StoredPoint as QdrantStoredPoint } from './collection';
export { DEFAULT_RRF_K as QDRANT_DEFAULT_RRF_K } from './scoring';
export type { PointId as QdrantPointId, SparseVector as QdrantSparseVector } from './wire';
