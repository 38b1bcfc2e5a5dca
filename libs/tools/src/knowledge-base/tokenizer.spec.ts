import { stem, tokenize } from './tokenizer';

describe('tokenize', () => {
  it('lowercases, drops stopwords and punctuation, and brings inflections together', () => {
    expect(tokenize("What's the PRICING for your plans?")).toEqual(['pric', 'plan']);
    expect(new Set(['price', 'prices', 'priced', 'pricing'].map(stem))).toEqual(new Set(['pric']));
    expect(stem('companies')).toBe('company');
    expect(stem('business')).toBe('business');
  });

  it('drops contractions and single letters, keeps numbers', () => {
    expect(tokenize("I'm sure it's 2 seats, don't you think? Let's see plan B")).toEqual([
      'sure',
      '2',
      'seat',
      'think',
      'see',
      'plan',
    ]);
  });
});
