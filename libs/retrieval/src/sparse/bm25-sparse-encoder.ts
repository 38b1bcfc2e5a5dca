import type { SparseEncoder, SparseVector } from '../ports';
import { fnv1a32 } from '../text/hash';
import { terms } from '../text/tokens';

export interface Bm25Options {
  /** Term-frequency saturation. */
  readonly k1?: number;
  /** Length normalisation (0: none, 1: full). */
  readonly b?: number;
  /**
   * The "average document length" of BM25, in terms. A constant rather than a corpus statistic, so a
   * chunk's vector never changes when other chunks are added (chunks are a few hundred words).
   */
  readonly averageLength?: number;
}

/**
 * BM25 as sparse vectors. Each term is hashed (FNV-1a, 32 bits) to an index; a document's value is BM25's
 * term-frequency part `tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))`, a query's is 1 per distinct term. The
 * IDF part is supplied at search time: by Qdrant (`modifier: 'idf'` on the sparse vector) or computed by the
 * embedded store over the tenant's chunks. Score = Σ idf(t) · query(t) · document(t): BM25.
 *
 * Hash collisions (rare with 2^32 buckets) merge two terms into one index; their frequencies add up.
 */
export class Bm25SparseEncoder implements SparseEncoder {
  private readonly k1: number;
  private readonly b: number;
  private readonly averageLength: number;

  constructor(options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.averageLength = options.averageLength ?? 120;
  }

  encode(text: string, purpose: 'document' | 'query'): SparseVector {
    const tokens = terms(text);
    const frequencies = new Map<number, number>();
    for (const token of tokens) {
      const index = fnv1a32(token);
      frequencies.set(index, (frequencies.get(index) ?? 0) + 1);
    }
    const indices = [...frequencies.keys()].sort((x, y) => x - y);
    if (purpose === 'query') return { indices, values: indices.map(() => 1) };
    const norm = 1 - this.b + (this.b * tokens.length) / this.averageLength;
    const values = indices.map((index) => {
      const tf = frequencies.get(index) ?? 0;
      return (tf * (this.k1 + 1)) / (tf + this.k1 * norm);
    });
    return { indices, values };
  }
}

/** BM25's inverse document frequency (the Lucene/Qdrant form, never negative). */
export function bm25Idf(documentCount: number, documentFrequency: number): number {
  return Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}
