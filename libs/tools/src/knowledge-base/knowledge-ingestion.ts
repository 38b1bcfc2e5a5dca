import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { Logger } from '@nestjs/common';
import {
  chunkId,
  type EmbeddingProvider,
  type SparseEncoder,
  type StoredChunk,
  type VectorStore,
} from '@lib/retrieval';
import { normaliseQuestion } from '../faq/faq-matching';
import { documentIdFor } from './document-id';
import { contentTypeOfPath, type RawDocument } from './document-parser';
import { prepareDocument, type PreparedDocument } from './document-preparation';
import type { KnowledgeCatalog } from './knowledge-catalog';
import { DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from './markdown';

export type IngestionStatus = 'added' | 'updated' | 'unchanged';

export interface IngestionOutcome {
  readonly documentId: string;
  readonly status: IngestionStatus;
  /** Chunks written (0 when unchanged). */
  readonly chunks: number;
  readonly faqs: number;
}

export interface IngestionProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  /** Chunks embedded and stored so far. */
  readonly chunks: number;
  readonly elapsedMs: number;
  readonly current?: string;
}

export interface IngestionSummary {
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly chunks: number;
  readonly seconds: number;
  readonly outcomes: readonly IngestionOutcome[];
  readonly removedDocumentIds: readonly string[];
}

export interface IngestFilesOptions {
  /** Files and directories (recursively); files of unknown types and corpus metadata files are skipped. */
  readonly paths: readonly string[];
  /**
   * Document ids are paths relative to this directory. Default: the directory given (for a directory
   * argument) or the file's own directory (for a file argument).
   */
  readonly baseDir?: string;
  /** The given paths are the tenant's whole knowledge base: its other documents are removed. */
  readonly sync?: boolean;
  readonly onProgress?: (progress: IngestionProgress) => void;
}

export interface KnowledgeIngestionOptions {
  /** Texts per embedding call. */
  readonly batchSize: number;
  readonly chunkOptions: ChunkOptions;
  /**
   * For a document shared in a conversation: runs first in the write transaction (before any vector is
   * stored) and throws when the conversation was deleted, so nothing of it is written after its deletion.
   */
  readonly conversationGuard?: (tenantId: string, conversationId: string) => Promise<void>;
}

/** Files in a knowledge-base directory that describe the corpus rather than belong to it. */
const CORPUS_METADATA = /^(readme|source|license|licence|changelog)(\.[a-z]+)?$/i;

/** The text a chunk is embedded and keyword-indexed with: its title and section carry much of its meaning. */
export const chunkSearchText = (title: string, section: string, text: string): string =>
  [title, section, text].filter(Boolean).join('\n');

/**
 * Ingests documents for a tenant: parse → chunk → embed (batched) → vector store, with a catalog row per
 * document whose checksum makes re-ingestion idempotent (unchanged: nothing; changed: old chunks deleted,
 * new ones upserted; missing from a sync: removed).
 */
export class KnowledgeIngestion {
  private readonly logger = new Logger(KnowledgeIngestion.name);
  private collectionReady?: Promise<void>;
  private readonly options: KnowledgeIngestionOptions;

  constructor(
    private readonly catalog: KnowledgeCatalog,
    private readonly store: VectorStore,
    private readonly embeddings: EmbeddingProvider,
    private readonly sparse: SparseEncoder,
    options: Partial<KnowledgeIngestionOptions> = {},
  ) {
    this.options = { batchSize: 64, chunkOptions: DEFAULT_CHUNK_OPTIONS, ...options };
  }

  /**
   * Ingests one document (API or file). With `conversationId` (a document shared in a conversation) it is
   * deleted with that conversation.
   */
  async ingest(
    tenantId: string,
    raw: RawDocument & { readonly documentId?: string; readonly conversationId?: string },
    onChunks?: (stored: number) => void,
  ): Promise<IngestionOutcome> {
    const prepared = await prepareDocument(raw, this.options.chunkOptions);
    return this.ingestPrepared(tenantId, prepared, onChunks, raw.conversationId);
  }

  async ingestPrepared(
    tenantId: string,
    doc: PreparedDocument,
    onChunks?: (stored: number) => void,
    conversationId?: string,
  ): Promise<IngestionOutcome> {
    const existing = await this.catalog.find(tenantId, doc.documentId);
    if (
      existing &&
      existing.checksum === doc.checksum &&
      existing.source === doc.source &&
      (existing.conversationId ?? undefined) === conversationId
    ) {
      return { documentId: doc.documentId, status: 'unchanged', chunks: 0, faqs: 0 };
    }
    await this.ensureCollection();
    // Embedding happens before the transaction: slow calls to an API never hold database locks.
    const chunks = await this.embedChunks(tenantId, doc, onChunks);
    const faqs = doc.faqs.map((f) => ({ ...f, normalizedQuestion: normaliseQuestion(f.question) }));
    await this.catalog.transaction(async () => {
      if (conversationId) await this.options.conversationGuard?.(tenantId, conversationId);
      // Deleting first: a shorter new version must not leave its old tail chunks behind.
      if (existing) await this.store.deleteDocument(tenantId, doc.documentId);
      await this.store.upsert(chunks);
      // The row last: if anything above fails, the next run sees no (or the old) checksum and redoes it.
      await this.catalog.save(
        {
          tenantId,
          documentId: doc.documentId,
          source: doc.source,
          title: doc.title,
          checksum: doc.checksum,
          chunkCount: chunks.length,
          conversationId: conversationId ?? null,
        },
        faqs,
      );
    });
    const status = existing ? 'updated' : 'added';
    this.logger.log(`${status} ${doc.documentId} for tenant ${tenantId}: ${chunks.length} chunks`);
    return { documentId: doc.documentId, status, chunks: chunks.length, faqs: faqs.length };
  }

  /** Removes a document's chunks, FAQ pairs and row; false when the tenant has no such document. */
  async remove(tenantId: string, documentId: string): Promise<boolean> {
    const existing = await this.catalog.find(tenantId, documentId);
    if (!existing) return false;
    await this.ensureCollection();
    await this.catalog.transaction(async () => {
      await this.store.deleteDocument(tenantId, documentId);
      await this.catalog.remove(tenantId, documentId);
    });
    this.logger.log(`removed ${documentId} for tenant ${tenantId}`);
    return true;
  }

  /** Ingests files and directories (the `kb ingest` command, the embedded mode's development tenant). */
  async ingestFiles(tenantId: string, options: IngestFilesOptions): Promise<IngestionSummary> {
    const started = Date.now();
    const files = await listKnowledgeFiles(options.paths, options.baseDir);
    const outcomes: IngestionOutcome[] = [];
    let chunks = 0;
    const report = (filesDone: number, current?: string): void =>
      options.onProgress?.({
        filesDone,
        filesTotal: files.length,
        chunks,
        elapsedMs: Date.now() - started,
        current,
      });
    report(0);
    for (const [i, file] of files.entries()) {
      const content = await readFile(file.path);
      const outcome = await this.ingest(
        tenantId,
        {
          documentId: file.documentId,
          source: file.source,
          contentType: file.contentType,
          content: file.contentType === 'application/pdf' ? content : content.toString('utf8'),
        },
        (stored) => {
          chunks += stored;
          report(i, file.documentId);
        },
      );
      outcomes.push(outcome);
      report(i + 1, file.documentId);
    }
    const removedDocumentIds: string[] = [];
    if (options.sync) {
      const kept = new Set(outcomes.map((o) => o.documentId));
      for (const record of await this.catalog.list(tenantId)) {
        if (kept.has(record.documentId)) continue;
        if (await this.remove(tenantId, record.documentId)) removedDocumentIds.push(record.documentId);
      }
    }
    const count = (status: IngestionStatus): number => outcomes.filter((o) => o.status === status).length;
    return {
      added: count('added'),
      updated: count('updated'),
      unchanged: count('unchanged'),
      removed: removedDocumentIds.length,
      chunks,
      seconds: (Date.now() - started) / 1000,
      outcomes,
      removedDocumentIds,
    };
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

  private async embedChunks(
    tenantId: string,
    doc: PreparedDocument,
    onChunks?: (stored: number) => void,
  ): Promise<StoredChunk[]> {
    const stored: StoredChunk[] = [];
    for (let at = 0; at < doc.chunks.length; at += this.options.batchSize) {
      const batch = doc.chunks.slice(at, at + this.options.batchSize);
      const texts = batch.map((c) => chunkSearchText(doc.title, c.section, c.text));
      const dense = await this.embeddings.embed(texts, 'document');
      if (dense.length !== batch.length) {
        throw new Error(`embedding provider returned ${dense.length} vectors for ${batch.length} texts`);
      }
      batch.forEach((chunk, i) =>
        stored.push({
          id: chunkId(tenantId, doc.documentId, chunk.chunkIndex),
          dense: dense[i],
          sparse: this.sparse.encode(texts[i], 'document'),
          payload: {
            tenantId,
            documentId: doc.documentId,
            chunkIndex: chunk.chunkIndex,
            title: doc.title,
            section: chunk.section,
            source: doc.source,
            checksum: doc.checksum,
            text: chunk.text,
          },
        }),
      );
      onChunks?.(batch.length);
    }
    return stored;
  }
}

export interface KnowledgeFile {
  readonly path: string;
  readonly documentId: string;
  /** Path relative to the base directory, with `/`. */
  readonly source: string;
  readonly contentType: NonNullable<ReturnType<typeof contentTypeOfPath>>;
}

/** The ingestible files under the given paths, sorted by document id (a relative path with `/`). */
export async function listKnowledgeFiles(
  paths: readonly string[],
  baseDir?: string,
): Promise<KnowledgeFile[]> {
  const files = new Map<string, KnowledgeFile>();
  const add = (path: string, base: string): void => {
    const contentType = contentTypeOfPath(path);
    if (!contentType || CORPUS_METADATA.test(basename(path))) return;
    const source = relative(base, path).split(sep).join('/');
    if (source.startsWith('..')) throw new Error(`${path} is outside the base directory ${base}`);
    const documentId = documentIdFor(source);
    files.set(documentId, { path, documentId, source, contentType });
  };
  for (const given of paths) {
    const path = resolve(given);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new Error(`no such file or directory: ${given}`);
    if (info.isDirectory()) {
      const base = baseDir ? resolve(baseDir) : path;
      for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) add(resolve(entry.parentPath, entry.name), base);
      }
    } else {
      add(path, baseDir ? resolve(baseDir) : dirname(path));
    }
  }
  return [...files.values()].sort((a, b) => a.documentId.localeCompare(b.documentId));
}
