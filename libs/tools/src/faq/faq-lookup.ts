import type { KnowledgeCatalog, StoredFaq } from '../knowledge-base/knowledge-catalog';
import { passageSourceId } from '../knowledge-base/document-id';
import { DEFAULT_FAQ_THRESHOLD, normaliseQuestion, questionSimilarity } from './faq-matching';
import type { FaqLookupResult } from './faq-lookup.schema';

/**
 * Exact answers from the tenant's curated FAQ pairs (extracted at ingestion): the most similar question
 * wins when its similarity reaches the threshold. A tenant has tens to hundreds of pairs: they are compared
 * in memory, read per call so an ingestion is visible at once.
 */
export class FaqLookup {
  constructor(
    private readonly catalog: KnowledgeCatalog,
    private readonly threshold = DEFAULT_FAQ_THRESHOLD,
  ) {}

  async lookup(tenantId: string, question: string): Promise<FaqLookupResult> {
    const wanted = normaliseQuestion(question);
    let best: { faq: StoredFaq; similarity: number } | undefined;
    for (const faq of await this.catalog.listFaqs(tenantId)) {
      const similarity = questionSimilarity(wanted, faq.normalizedQuestion);
      if (!best || similarity > best.similarity) best = { faq, similarity };
    }
    if (!best || best.similarity < this.threshold) return { found: false, passages: [] };
    const { faq, similarity } = best;
    const sourceId = passageSourceId(faq.documentId, faq.chunkIndex);
    const score = Math.round(similarity * 1000) / 1000;
    return {
      found: true,
      match: {
        question: faq.question,
        answer: faq.answer,
        sourceId,
        title: faq.title,
        section: faq.section,
        source: faq.source,
        similarity: score,
      },
      passages: [
        { sourceId, title: faq.title, section: faq.section, source: faq.source, text: faq.answer, score },
      ],
    };
  }
}
