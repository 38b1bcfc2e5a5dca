import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Bm25Index } from './bm25';
import { chunkMarkdown, DEFAULT_CHUNK_OPTIONS, parseMarkdownDocument, type ChunkOptions } from './markdown';

/** One searchable piece of a document. */
export interface KnowledgeChunk {
  /** Deterministic: `kb:<relative path>#<chunk index>`. */
  readonly id: string;
  readonly title: string;
  readonly section: string;
  /** Path of the document relative to the knowledge-base directory, with `/` separators. */
  readonly source: string;
  readonly text: string;
}

export interface KnowledgePassage {
  readonly sourceId: string;
  readonly title: string;
  readonly section: string;
  readonly source: string;
  readonly text: string;
  readonly score: number;
}

export interface KnowledgeDocumentInput {
  /** Relative path, used in chunk ids and citations. */
  readonly source: string;
  readonly content: string;
}

/** Files in the knowledge-base directory that describe the corpus rather than belong to it. */
const NOT_CONTENT = /^(readme|source|license|licence|changelog)(\.[a-z]+)?$/i;
const MARKDOWN = /\.mdx?$/i;

/**
 * The knowledge base: Markdown documents split into heading-aware chunks and ranked with BM25. Immutable
 * once built; shared by every tenant (tenant-specific collections arrive with the vector store).
 */
export class KnowledgeBase {
  private readonly index: Bm25Index;

  private constructor(readonly chunks: readonly KnowledgeChunk[]) {
    this.index = new Bm25Index(chunks.map((c) => `${c.title}\n${c.section}\n${c.text}`));
  }

  static fromDocuments(
    documents: readonly KnowledgeDocumentInput[],
    options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
  ): KnowledgeBase {
    const chunks: KnowledgeChunk[] = [];
    const sorted = [...documents].sort((a, b) => a.source.localeCompare(b.source));
    for (const { source, content } of sorted) {
      const fallbackTitle = source.replace(/^.*\//, '').replace(MARKDOWN, '');
      const doc = parseMarkdownDocument(content, fallbackTitle);
      chunkMarkdown(doc.body, options).forEach((chunk, i) =>
        chunks.push({
          id: `kb:${source}#${i}`,
          title: doc.title,
          section: chunk.section,
          source,
          text: chunk.text,
        }),
      );
    }
    return new KnowledgeBase(chunks);
  }

  /** Loads every Markdown file under `directory` (recursively), except corpus metadata files. */
  static async load(
    directory: string,
    options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
  ): Promise<KnowledgeBase> {
    if (!existsSync(directory) || !statSync(directory).isDirectory()) {
      throw new Error(`knowledge base directory not found: ${directory} (set KNOWLEDGE_BASE_DIR)`);
    }
    const files = (await readdir(directory, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && MARKDOWN.test(e.name) && !NOT_CONTENT.test(e.name))
      .map((e) => join(e.parentPath, e.name));
    const documents = await Promise.all(
      files.map(async (file) => ({
        source: relative(directory, file).split(sep).join('/'),
        content: await readFile(file, 'utf8'),
      })),
    );
    return KnowledgeBase.fromDocuments(documents, options);
  }

  get documentCount(): number {
    return new Set(this.chunks.map((c) => c.source)).size;
  }

  search(query: string, limit: number): KnowledgePassage[] {
    return this.index.search(query, limit).map(({ index, score }) => {
      const chunk = this.chunks[index];
      return {
        sourceId: chunk.id,
        title: chunk.title,
        section: chunk.section,
        source: chunk.source,
        text: chunk.text,
        score: Math.round(score * 1000) / 1000,
      };
    });
  }
}

/**
 * `<repo>/data/kb`, found by walking up from this file to the first directory holding a package.json:
 * works from the TypeScript sources (jest, ts-node) and from the compiled `dist/` tree alike.
 */
export function defaultKnowledgeBaseDir(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'data', 'kb');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}: set KNOWLEDGE_BASE_DIR`);
    dir = parent;
  }
}
