import { Bm25Index } from './bm25';
import { stem, tokenize } from './tokenizer';

describe('tokenize', () => {
  it('lowercases, drops stopwords and punctuation, and brings inflections together', () => {
    expect(tokenize("What's the PRICING for your plans?")).toEqual(['pric', 'plan']);
    expect(new Set(['price', 'prices', 'priced', 'pricing'].map(stem))).toEqual(new Set(['pric']));
    expect(stem('companies')).toBe('company');
    expect(stem('business')).toBe('business');
  });
});

describe('Bm25Index', () => {
  const docs = [
    'Refunds are issued within 30 days of the billing date.',
    'Our pricing is usage based: you pay per event, with volume discounts.',
    'Security: SOC 2 report and penetration tests are available.',
    'Pricing pricing pricing. Discounts for annual prepaid plans and discounts for startups.',
  ];
  const index = new Bm25Index(docs);

  it('ranks documents sharing rare query terms first and leaves out non-matching ones', () => {
    const hits = index.search('How do refunds work?', 10);
    expect(hits.map((h) => h.index)).toEqual([0]);
  });

  it('rewards term frequency and sums over query terms', () => {
    const hits = index.search('pricing discounts', 10);
    expect(hits.map((h) => h.index)).toEqual([3, 1]);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
  });

  it('gives rare terms more weight than common ones', () => {
    expect(index.idf('soc')).toBeGreaterThan(index.idf('pric'));
  });

  it('respects the limit', () => {
    expect(index.search('pricing security refunds', 2)).toHaveLength(2);
  });
});
