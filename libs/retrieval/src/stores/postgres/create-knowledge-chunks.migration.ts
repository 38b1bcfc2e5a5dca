import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(q: QueryRunner): string {
  const schema = (q.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('CreateKnowledgeChunks: the DataSource has no schema');
  return schema;
}

/**
 * The embedded vector store's table, created in the schema of the DataSource that runs the migration (the
 * tool-runner's in production, a test schema in tests).
 */
export class CreateKnowledgeChunks1764000200000 implements MigrationInterface {
  readonly name = 'CreateKnowledgeChunks1764000200000';

  async up(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    await q.query(`
      CREATE TABLE "${schema}"."knowledge_chunks" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(128) NOT NULL,
        "document_id" varchar(512) NOT NULL,
        "chunk_index" integer NOT NULL CHECK ("chunk_index" >= 0),
        "title" text NOT NULL,
        "section" text NOT NULL,
        "source" text NOT NULL,
        "checksum" varchar(128) NOT NULL,
        "text" text NOT NULL,
        "dense" real[] NOT NULL,
        "sparse_indices" integer[] NOT NULL,
        "sparse_values" real[] NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CHECK (cardinality("sparse_indices") = cardinality("sparse_values"))
      )`);
    await q.query(
      `CREATE INDEX "knowledge_chunks_tenant_document_idx"
       ON "${schema}"."knowledge_chunks" ("tenant_id", "document_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "${schemaOf(q)}"."knowledge_chunks"`);
  }
}
