import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A chunk in the embedded vector store (table created by CreateKnowledgeChunks1764000200000, in the schema
 * of the DataSource it runs in). Sparse indices are stored as signed 32-bit integers (PostgreSQL has no
 * unsigned type): the store converts them both ways.
 */
@Entity({ name: 'knowledge_chunks' })
@Index('knowledge_chunks_tenant_document_idx', ['tenantId', 'documentId'])
export class KnowledgeChunkEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ name: 'document_id', type: 'varchar', length: 512 }) documentId!: string;
  @Column({ name: 'chunk_index', type: 'integer' }) chunkIndex!: number;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text' }) section!: string;
  @Column({ type: 'text' }) source!: string;
  @Column({ type: 'varchar', length: 128 }) checksum!: string;
  @Column({ type: 'text' }) text!: string;
  @Column({ type: 'real', array: true }) dense!: number[];
  @Column({ name: 'sparse_indices', type: 'integer', array: true }) sparseIndices!: number[];
  @Column({ name: 'sparse_values', type: 'real', array: true }) sparseValues!: number[];
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
}
