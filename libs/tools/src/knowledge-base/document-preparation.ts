import { extractFaqEntries } from '../faq/faq-extraction';
import { documentIdFor } from './document-id';
import { parseKnowledgeDocument, type RawDocument } from './document-parser';
import { chunkMarkdown, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from './markdown';

export interface PreparedChunk {
  readonly chunkIndex: number;
  readonly section: string;
  readonly text: string;
}

export interface PreparedFaq {
  readonly question: string;
  readonly answer: string;
  readonly section: string;
  /** The first chunk of the question's section: what a citation of the answer points at. */
  readonly chunkIndex: number;
}

/** A parsed, chunked document, ready to embed: everything but the tenant and the vectors. */
export interface PreparedDocument {
  readonly documentId: string;
  readonly title: string;
  readonly source: string;
  readonly checksum: string;
  readonly chunks: readonly PreparedChunk[];
  readonly faqs: readonly PreparedFaq[];
}

/** Parses a document, chunks it by headings with overlap, and extracts its FAQ pairs. Pure. */
export async function prepareDocument(
  raw: RawDocument & { readonly documentId?: string },
  options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
): Promise<PreparedDocument> {
  const documentId = raw.documentId ?? documentIdFor(raw.source);
  const parsed = await parseKnowledgeDocument(raw);
  const chunks = chunkMarkdown(parsed.body, options).map((c, chunkIndex) => ({ chunkIndex, ...c }));
  const faqs: PreparedFaq[] = [];
  for (const faq of extractFaqEntries(parsed.body)) {
    const chunk = chunks.find((c) => c.section === faq.section);
    if (chunk && faq.answer) faqs.push({ ...faq, chunkIndex: chunk.chunkIndex });
  }
  return { documentId, title: parsed.title, source: raw.source, checksum: parsed.checksum, chunks, faqs };
}
