import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The knowledge base's bookkeeping: which documents a tenant has ingested, with the checksum that decides
 * whether a re-ingestion has anything to do, and the FAQ pairs extracted from them (for `faq_lookup`).
 * The chunks themselves live in the vector store.
 */
export class CreateKnowledgeDocuments1764000220000 implements MigrationInterface {
  readonly name = 'CreateKnowledgeDocuments1764000220000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "tool_runner"."knowledge_documents" (
        "tenant_id" varchar(128) NOT NULL,
        "document_id" varchar(300) NOT NULL,
        "source" varchar(2000) NOT NULL,
        "title" varchar(500) NOT NULL,
        "checksum" char(64) NOT NULL,
        "chunk_count" integer NOT NULL CHECK ("chunk_count" >= 0),
        "ingested_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("tenant_id", "document_id")
      )`);
    await q.query(`
      CREATE TABLE "tool_runner"."knowledge_faq" (
        "tenant_id" varchar(128) NOT NULL,
        "document_id" varchar(300) NOT NULL,
        "position" integer NOT NULL CHECK ("position" >= 0),
        "question" text NOT NULL,
        "normalized_question" text NOT NULL,
        "answer" text NOT NULL,
        "section" text NOT NULL,
        "chunk_index" integer NOT NULL CHECK ("chunk_index" >= 0),
        PRIMARY KEY ("tenant_id", "document_id", "position"),
        CONSTRAINT "knowledge_faq_document_fk" FOREIGN KEY ("tenant_id", "document_id")
          REFERENCES "tool_runner"."knowledge_documents" ("tenant_id", "document_id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "tool_runner"."knowledge_faq"`);
    await q.query(`DROP TABLE "tool_runner"."knowledge_documents"`);
  }
}
