import { deriveId } from '@lib/contracts';
import { z } from 'zod';
import type { ChunkPayload } from './ports';

/**
 * The id of a chunk: a uuid (Qdrant accepts only uuids and integers) derived from tenant, document and chunk
 * index, so re-ingesting a document overwrites its chunks, and two tenants' documents with the same id never
 * collide.
 */
export function chunkId(tenantId: string, documentId: string, chunkIndex: number): string {
  return deriveId('knowledge-chunk', tenantId, documentId, String(chunkIndex));
}

/** Validates a payload read back from a store (the stores are outside this process's type system). */
export const ChunkPayloadSchema = z.object({
  tenantId: z.string().min(1),
  documentId: z.string().min(1),
  chunkIndex: z.number().int().nonnegative(),
  title: z.string(),
  section: z.string(),
  source: z.string(),
  checksum: z.string(),
  text: z.string(),
}) satisfies z.ZodType<ChunkPayload>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertChunkId(id: string): void {
  if (!UUID.test(id)) throw new Error(`Chunk id must be a uuid (see chunkId()), got "${id}"`);
}

export function assertTenant(tenantId: string): void {
  if (!tenantId || !tenantId.trim())
    throw new Error('A tenant id is required for every vector store operation');
}

export function assertSparse(indices: readonly number[], values: readonly number[]): void {
  if (indices.length !== values.length) {
    throw new Error(`Sparse vector: ${indices.length} indices but ${values.length} values`);
  }
  if (new Set(indices).size !== indices.length) throw new Error('Sparse vector: duplicate indices');
}
