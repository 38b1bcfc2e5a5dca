import { fnv1a32 } from '../text/hash';
import { bm25Idf, Bm25SparseEncoder } from './bm25-sparse-encoder';

describe('Bm25SparseEncoder', () => {
  const encoder = new Bm25SparseEncoder({ k1: 1.2, b: 0.75, averageLength: 4 });

  it('hashes each distinct term to a stable unsigned 32-bit index, sorted, without duplicates', () => {
    const { indices, values } = encoder.encode('Pricing prices PRICED, seats', 'document');
    // "pricing", "prices", "priced" stem to one term; "seats" to another.
    expect(indices).toHaveLength(2);
    expect(values).toHaveLength(2);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(indices).toContain(fnv1a32('pric'));
    expect(indices).toContain(fnv1a32('seat'));
    for (const index of indices) expect(index >>> 0).toBe(index);
  });

  it('gives a query weight 1 per distinct term', () => {
    const { indices, values } = encoder.encode('seat seat price', 'query');
    expect(indices).toHaveLength(2);
    expect(values).toEqual([1, 1]);
  });

  it("weighs document terms with BM25's saturating, length-normalised term frequency", () => {
    // 4 terms = the average length: norm = 1, so weight = tf·2.2 / (tf + 1.2).
    const doc = encoder.encode('seat seat seat price', 'document');
    const weight = (term: string) => doc.values[doc.indices.indexOf(fnv1a32(term))];
    expect(weight('seat')).toBeCloseTo((3 * 2.2) / (3 + 1.2), 10);
    expect(weight('pric')).toBeCloseTo((1 * 2.2) / (1 + 1.2), 10);
    // A longer document gives the same term a lower weight.
    const longer = encoder.encode(
      'price plus many other words about discounts and contract terms',
      'document',
    );
    expect(longer.values[longer.indices.indexOf(fnv1a32('pric'))]).toBeLessThan(weight('pric'));
  });

  it('drops stopwords and gives an empty vector for a text without content words', () => {
    expect(encoder.encode('what is the', 'query')).toEqual({ indices: [], values: [] });
  });

  it('computes the IDF Qdrant applies with modifier idf (rare terms weigh more, never negative)', () => {
    expect(bm25Idf(100, 1)).toBeGreaterThan(bm25Idf(100, 50));
    expect(bm25Idf(100, 100)).toBeGreaterThan(0);
    expect(bm25Idf(10, 2)).toBeCloseTo(Math.log(1 + 8.5 / 2.5), 12);
  });
});
