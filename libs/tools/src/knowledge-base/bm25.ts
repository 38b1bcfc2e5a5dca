import { tokenize } from './tokenizer';

export interface Bm25Options {
  /** Term-frequency saturation. */
  readonly k1: number;
  /** Length normalisation (0: none, 1: full). */
  readonly b: number;
}

export interface Bm25Hit {
  readonly index: number;
  readonly score: number;
}

/**
 * Okapi BM25 over an in-memory list of documents. Small corpora (a few thousand chunks) only: scoring walks
 * the posting lists of the query terms, nothing is persisted.
 */
export class Bm25Index {
  private readonly postings = new Map<string, { doc: number; tf: number }[]>();
  private readonly lengths: number[] = [];
  private readonly averageLength: number;

  constructor(
    texts: readonly string[],
    private readonly options: Bm25Options = { k1: 1.2, b: 0.75 },
  ) {
    texts.forEach((text, doc) => {
      const tokens = tokenize(text);
      this.lengths.push(tokens.length);
      const counts = new Map<string, number>();
      for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [term, tf] of counts) {
        const list = this.postings.get(term) ?? [];
        list.push({ doc, tf });
        this.postings.set(term, list);
      }
    });
    const total = this.lengths.reduce((a, n) => a + n, 0);
    this.averageLength = this.lengths.length ? total / this.lengths.length : 0;
  }

  get size(): number {
    return this.lengths.length;
  }

  /** Inverse document frequency, BM25+ style (never negative for very common terms). */
  idf(term: string): number {
    const df = this.postings.get(term)?.length ?? 0;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** The best `limit` documents for the query, best first; documents sharing no term are left out. */
  search(query: string, limit: number): Bm25Hit[] {
    const { k1, b } = this.options;
    const scores = new Map<number, number>();
    for (const term of new Set(tokenize(query))) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      for (const { doc, tf } of list) {
        const norm = 1 - b + (b * this.lengths[doc]) / (this.averageLength || 1);
        scores.set(doc, (scores.get(doc) ?? 0) + (idf * (tf * (k1 + 1))) / (tf + k1 * norm));
      }
    }
    return [...scores.entries()]
      .map(([index, score]) => ({ index, score }))
      .sort((x, y) => y.score - x.score || x.index - y.index)
      .slice(0, limit);
  }
}
