import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  EmbeddingProvider,
  HybridQuery,
  SearchHit,
  SparseEncoder,
  StoredChunk,
  VectorStore,
} from '@lib/retrieval';
import {
  KnowledgeCatalog,
  type FaqToStore,
  type KnowledgeDocumentRecord,
  type StoredFaq,
} from './knowledge-catalog';
import { KnowledgeIngestion, listKnowledgeFiles, type IngestionProgress } from './knowledge-ingestion';
import { minimalPdf } from './testing/minimal-pdf';

class MemoryCatalog extends KnowledgeCatalog {
  readonly rows = new Map<string, KnowledgeDocumentRecord>();
  readonly faqs = new Map<string, readonly FaqToStore[]>();
  private key = (t: string, d: string) => `${t}|${d}`;
  async find(t: string, d: string) {
    return this.rows.get(this.key(t, d));
  }
  async list(t: string) {
    return [...this.rows.values()].filter((r) => r.tenantId === t);
  }
  async save(record: Omit<KnowledgeDocumentRecord, 'ingestedAt'>, faqs: readonly FaqToStore[]) {
    this.rows.set(this.key(record.tenantId, record.documentId), { ...record, ingestedAt: new Date() });
    this.faqs.set(this.key(record.tenantId, record.documentId), faqs);
  }
  async remove(t: string, d: string) {
    this.faqs.delete(this.key(t, d));
    return this.rows.delete(this.key(t, d));
  }
  async listFaqs(): Promise<StoredFaq[]> {
    return [];
  }
  transaction<T>(work: () => Promise<T>) {
    return work();
  }
}

class MemoryStore implements VectorStore {
  readonly chunks = new Map<string, StoredChunk>();
  readonly calls: string[] = [];
  async ensureCollection(dimensions: number) {
    this.calls.push(`ensure:${dimensions}`);
  }
  async upsert(chunks: readonly StoredChunk[]) {
    this.calls.push(`upsert:${chunks.length}`);
    for (const c of chunks) this.chunks.set(c.id, c);
  }
  async deleteDocument(tenantId: string, documentId: string) {
    this.calls.push(`delete:${documentId}`);
    for (const [id, c] of this.chunks) {
      if (c.payload.tenantId === tenantId && c.payload.documentId === documentId) this.chunks.delete(id);
    }
  }
  async search(_query: HybridQuery): Promise<SearchHit[]> {
    return [];
  }
  documentChunks(tenantId: string, documentId: string) {
    return [...this.chunks.values()]
      .filter((c) => c.payload.tenantId === tenantId && c.payload.documentId === documentId)
      .sort((a, b) => a.payload.chunkIndex - b.payload.chunkIndex);
  }
}

class CountingEmbeddings implements EmbeddingProvider {
  readonly name = 'test';
  readonly dimensions = 3;
  readonly batches: number[] = [];
  async embed(texts: readonly string[]) {
    this.batches.push(texts.length);
    return texts.map((t) => [t.length, 1, 0]);
  }
}

const sparse: SparseEncoder = { encode: (text) => ({ indices: [text.length], values: [1] }) };
const TENANT = 'tenant-a';

describe('KnowledgeIngestion', () => {
  let catalog: MemoryCatalog;
  let store: MemoryStore;
  let embeddings: CountingEmbeddings;
  let ingestion: KnowledgeIngestion;
  beforeEach(() => {
    catalog = new MemoryCatalog();
    store = new MemoryStore();
    embeddings = new CountingEmbeddings();
    ingestion = new KnowledgeIngestion(catalog, store, embeddings, sparse, {
      batchSize: 2,
      chunkOptions: { maxChars: 200, overlapChars: 40 },
    });
  });

  const page = (extra = '') => ({
    source: 'guides/refunds.md',
    contentType: 'text/markdown' as const,
    content: `# Refunds\n\n## Eligibility\n\nWithin 30 days.${extra}\n\n## Channels\n\nEmail billing.\n\n## Credits\n\nCredits apply first.`,
  });

  it('adds a document: chunks with tenant, ids, title, section, source and checksum, embedded in batches', async () => {
    const outcome = await ingestion.ingest(TENANT, page());
    expect(outcome).toEqual({ documentId: 'guides/refunds.md', status: 'added', chunks: 3, faqs: 0 });
    expect(embeddings.batches).toEqual([2, 1]);
    const chunks = store.documentChunks(TENANT, 'guides/refunds.md');
    expect(chunks.map((c) => c.payload.section)).toEqual([
      'Refunds › Eligibility',
      'Refunds › Channels',
      'Refunds › Credits',
    ]);
    expect(chunks[0].payload).toMatchObject({
      tenantId: TENANT,
      documentId: 'guides/refunds.md',
      chunkIndex: 0,
      title: 'Refunds',
      source: 'guides/refunds.md',
      text: 'Within 30 days.',
    });
    expect(chunks[0].payload.checksum).toBe(catalog.rows.get(`${TENANT}|guides/refunds.md`)?.checksum);
    expect(chunks[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.calls[0]).toBe('ensure:3');
  });

  it('does nothing for an unchanged document (not even embedding)', async () => {
    await ingestion.ingest(TENANT, page());
    const before = [...store.calls];
    embeddings.batches.length = 0;
    await expect(
      ingestion.ingest(TENANT, { ...page(), content: `${page().content}\r\n\r\n` }),
    ).resolves.toMatchObject({ status: 'unchanged', chunks: 0 });
    expect(embeddings.batches).toEqual([]);
    expect(store.calls).toEqual(before);
  });

  it('replaces the chunks of a changed document: old ones deleted first, so a shorter version leaves no tail', async () => {
    await ingestion.ingest(TENANT, page());
    const changed = {
      ...page(),
      content: '# Refunds\n\n## Eligibility\n\nWithin 60 days now.',
    };
    await expect(ingestion.ingest(TENANT, changed)).resolves.toMatchObject({ status: 'updated', chunks: 1 });
    expect(store.calls.slice(-2)).toEqual(['delete:guides/refunds.md', 'upsert:1']);
    expect(store.documentChunks(TENANT, 'guides/refunds.md').map((c) => c.payload.text)).toEqual([
      'Within 60 days now.',
    ]);
    expect(catalog.rows.get(`${TENANT}|guides/refunds.md`)?.chunkCount).toBe(1);
  });

  it('keeps tenants apart: the same document for another tenant is added, with other chunk ids', async () => {
    await ingestion.ingest(TENANT, page());
    await expect(ingestion.ingest('tenant-b', page())).resolves.toMatchObject({ status: 'added' });
    const a = store.documentChunks(TENANT, 'guides/refunds.md').map((c) => c.id);
    const b = store.documentChunks('tenant-b', 'guides/refunds.md').map((c) => c.id);
    expect(b).toHaveLength(a.length);
    expect(b.some((id) => a.includes(id))).toBe(false);
  });

  it('does not record the document when the store fails, so the next run retries it', async () => {
    jest.spyOn(store, 'upsert').mockRejectedValueOnce(new Error('store down'));
    await expect(ingestion.ingest(TENANT, page())).rejects.toThrow('store down');
    expect(catalog.rows.size).toBe(0);
    await expect(ingestion.ingest(TENANT, page())).resolves.toMatchObject({ status: 'added' });
  });

  it('removes a document: its chunks and its row; false for an unknown one', async () => {
    await ingestion.ingest(TENANT, page());
    await expect(ingestion.remove(TENANT, 'guides/refunds.md')).resolves.toBe(true);
    expect(store.chunks.size).toBe(0);
    expect(catalog.rows.size).toBe(0);
    await expect(ingestion.remove(TENANT, 'guides/refunds.md')).resolves.toBe(false);
  });

  describe('ingestFiles', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'kb-'));
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'a.md'), '# A\n\nAlpha text.');
      writeFileSync(join(dir, 'sub', 'b.html'), '<h1>B</h1><p>Beta text.</p>');
      writeFileSync(join(dir, 'sub', 'c.txt'), 'Gamma\n\nGamma text.');
      writeFileSync(join(dir, 'd.pdf'), minimalPdf(['Delta text.'], 'Delta'));
      writeFileSync(join(dir, 'README.md'), '# About this corpus');
      writeFileSync(join(dir, 'image.png'), 'x');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('lists the four formats recursively, ids relative to the directory, metadata files skipped', async () => {
      expect((await listKnowledgeFiles([dir])).map((f) => [f.documentId, f.contentType])).toEqual([
        ['a.md', 'text/markdown'],
        ['d.pdf', 'application/pdf'],
        ['sub/b.html', 'text/html'],
        ['sub/c.txt', 'text/plain'],
      ]);
      expect((await listKnowledgeFiles([join(dir, 'sub', 'b.html')])).map((f) => f.documentId)).toEqual([
        'b.html',
      ]);
      expect((await listKnowledgeFiles([join(dir, 'sub', 'b.html')], dir)).map((f) => f.documentId)).toEqual([
        'sub/b.html',
      ]);
      await expect(listKnowledgeFiles([join(dir, 'missing')])).rejects.toThrow(/no such file/);
    });

    it('reports progress and a summary; a sync removes what disappeared', async () => {
      const progress: IngestionProgress[] = [];
      const first = await ingestion.ingestFiles(TENANT, {
        paths: [dir],
        onProgress: (p) => progress.push(p),
      });
      expect(first).toMatchObject({ added: 4, updated: 0, unchanged: 0, removed: 0, chunks: 4 });
      expect(progress[0]).toMatchObject({ filesDone: 0, filesTotal: 4, chunks: 0 });
      expect(progress[progress.length - 1]).toMatchObject({ filesDone: 4, filesTotal: 4, chunks: 4 });
      expect(store.documentChunks(TENANT, 'd.pdf')[0].payload).toMatchObject({
        title: 'Delta',
        text: 'Delta text.',
      });

      writeFileSync(join(dir, 'a.md'), '# A\n\nAlpha text, revised.');
      rmSync(join(dir, 'sub', 'c.txt'));
      const withoutSync = await ingestion.ingestFiles(TENANT, { paths: [dir] });
      expect(withoutSync).toMatchObject({ added: 0, updated: 1, unchanged: 2, removed: 0 });
      expect(catalog.rows.has(`${TENANT}|sub/c.txt`)).toBe(true);

      const synced = await ingestion.ingestFiles(TENANT, { paths: [dir], sync: true });
      expect(synced).toMatchObject({
        added: 0,
        updated: 0,
        unchanged: 3,
        removed: 1,
        removedDocumentIds: ['sub/c.txt'],
      });
      expect(store.documentChunks(TENANT, 'sub/c.txt')).toEqual([]);
    });
  });
});
