import { Injectable } from '@nestjs/common';
import { schemaOf, UnitOfWork } from '@lib/database';

/** What the knowledge base remembers of an ingested document (the chunks live in the vector store). */
export interface KnowledgeDocumentRecord {
  readonly tenantId: string;
  readonly documentId: string;
  readonly source: string;
  readonly title: string;
  readonly checksum: string;
  readonly chunkCount: number;
  readonly ingestedAt: Date;
  /** The conversation the document was shared in (deleted with it); none for the knowledge base proper. */
  readonly conversationId?: string | null;
}

/** An FAQ pair of a document, as stored. */
export interface StoredFaq {
  readonly documentId: string;
  readonly question: string;
  readonly normalizedQuestion: string;
  readonly answer: string;
  readonly section: string;
  readonly chunkIndex: number;
  /** Of the document. */
  readonly title: string;
  readonly source: string;
}

export type FaqToStore = Omit<StoredFaq, 'documentId' | 'title' | 'source'>;

/**
 * The per-tenant list of ingested documents (with their checksums) and their FAQ pairs. Every method takes
 * the tenant: no call can read or change another tenant's documents.
 */
export abstract class KnowledgeCatalog {
  abstract find(tenantId: string, documentId: string): Promise<KnowledgeDocumentRecord | undefined>;
  abstract list(tenantId: string): Promise<KnowledgeDocumentRecord[]>;
  /** Inserts or replaces the document's row and its FAQ pairs. */
  abstract save(
    record: Omit<KnowledgeDocumentRecord, 'ingestedAt'>,
    faqs: readonly FaqToStore[],
  ): Promise<void>;
  /** Removes the row and its FAQ pairs; false when there was none. */
  abstract remove(tenantId: string, documentId: string): Promise<boolean>;
  abstract listFaqs(tenantId: string): Promise<StoredFaq[]>;
  /** Runs `work` atomically (the catalog row commits with the chunks when the store shares the database). */
  abstract transaction<T>(work: () => Promise<T>): Promise<T>;
}

interface DocumentRow {
  tenant_id: string;
  document_id: string;
  source: string;
  title: string;
  checksum: string;
  chunk_count: number;
  ingested_at: Date;
  conversation_id: string | null;
}

const toRecord = (r: DocumentRow): KnowledgeDocumentRecord => ({
  tenantId: r.tenant_id,
  documentId: r.document_id,
  source: r.source,
  title: r.title,
  checksum: r.checksum,
  chunkCount: r.chunk_count,
  ingestedAt: r.ingested_at,
  conversationId: r.conversation_id,
});

/** The catalog in the tool-runner's schema (`knowledge_documents`, `knowledge_faq`). */
@Injectable()
export class PostgresKnowledgeCatalog extends KnowledgeCatalog {
  private readonly documents: string;
  private readonly faqs: string;

  constructor(private readonly uow: UnitOfWork) {
    super();
    const schema = schemaOf(uow.dataSource);
    this.documents = `"${schema}"."knowledge_documents"`;
    this.faqs = `"${schema}"."knowledge_faq"`;
  }

  async find(tenantId: string, documentId: string): Promise<KnowledgeDocumentRecord | undefined> {
    const rows: DocumentRow[] = await this.uow.manager.query(
      `SELECT * FROM ${this.documents} WHERE "tenant_id" = $1 AND "document_id" = $2`,
      [tenantId, documentId],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async list(tenantId: string): Promise<KnowledgeDocumentRecord[]> {
    const rows: DocumentRow[] = await this.uow.manager.query(
      `SELECT * FROM ${this.documents} WHERE "tenant_id" = $1 ORDER BY "document_id"`,
      [tenantId],
    );
    return rows.map(toRecord);
  }

  async save(
    record: Omit<KnowledgeDocumentRecord, 'ingestedAt'>,
    faqs: readonly FaqToStore[],
  ): Promise<void> {
    await this.uow.run(async (manager) => {
      await manager.query(
        `INSERT INTO ${this.documents}
           ("tenant_id", "document_id", "source", "title", "checksum", "chunk_count", "ingested_at",
            "conversation_id")
         VALUES ($1, $2, $3, $4, $5, $6, now(), $7)
         ON CONFLICT ("tenant_id", "document_id") DO UPDATE SET
           "source" = EXCLUDED."source", "title" = EXCLUDED."title", "checksum" = EXCLUDED."checksum",
           "chunk_count" = EXCLUDED."chunk_count", "ingested_at" = EXCLUDED."ingested_at",
           "conversation_id" = EXCLUDED."conversation_id"`,
        [
          record.tenantId,
          record.documentId,
          record.source,
          record.title,
          record.checksum,
          record.chunkCount,
          record.conversationId ?? null,
        ],
      );
      await manager.query(`DELETE FROM ${this.faqs} WHERE "tenant_id" = $1 AND "document_id" = $2`, [
        record.tenantId,
        record.documentId,
      ]);
      if (!faqs.length) return;
      const params: unknown[] = [record.tenantId, record.documentId];
      const values = faqs.map((faq, position) => {
        const at = params.length;
        params.push(position, faq.question, faq.normalizedQuestion, faq.answer, faq.section, faq.chunkIndex);
        return `($1, $2, ${[1, 2, 3, 4, 5, 6].map((i) => `$${at + i}`).join(', ')})`;
      });
      await manager.query(
        `INSERT INTO ${this.faqs} ("tenant_id", "document_id", "position", "question", "normalized_question",
           "answer", "section", "chunk_index") VALUES ${values.join(', ')}`,
        params,
      );
    });
  }

  async remove(tenantId: string, documentId: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.uow.manager.query(
      `DELETE FROM ${this.documents} WHERE "tenant_id" = $1 AND "document_id" = $2`,
      [tenantId, documentId],
    );
    return count > 0;
  }

  async listFaqs(tenantId: string): Promise<StoredFaq[]> {
    const rows: (Omit<StoredFaq, 'normalizedQuestion' | 'chunkIndex' | 'documentId'> & {
      document_id: string;
      normalized_question: string;
      chunk_index: number;
    })[] = await this.uow.manager.query(
      `SELECT f."document_id", f."question", f."normalized_question", f."answer", f."section", f."chunk_index",
              d."title", d."source"
       FROM ${this.faqs} f
       JOIN ${this.documents} d ON d."tenant_id" = f."tenant_id" AND d."document_id" = f."document_id"
       WHERE f."tenant_id" = $1
       ORDER BY f."document_id", f."position"`,
      [tenantId],
    );
    return rows.map((r) => ({
      documentId: r.document_id,
      question: r.question,
      normalizedQuestion: r.normalized_question,
      answer: r.answer,
      section: r.section,
      chunkIndex: r.chunk_index,
      title: r.title,
      source: r.source,
    }));
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.uow.run(() => work());
  }
}
