import { cosineSimilarity, LocalHashEmbeddingProvider } from './local-hash-embedding-provider';

describe('LocalHashEmbeddingProvider', () => {
  const provider = new LocalHashEmbeddingProvider();

  it('is named and sized as configured (384 by default)', async () => {
    expect(provider.name).toBe('local-hash-v1');
    expect(provider.dimensions).toBe(384);
    const [vector] = await new LocalHashEmbeddingProvider({ dimensions: 64 }).embed(
      ['hello world'],
      'document',
    );
    expect(vector).toHaveLength(64);
  });

  it('is deterministic across instances and calls, and ignores the purpose', async () => {
    const text = 'Enterprise plan: 45 EUR per seat and month, billed annually.';
    const [a] = await provider.embed([text], 'document');
    const [b] = await new LocalHashEmbeddingProvider().embed([text], 'query');
    expect(b).toEqual(a);
    // Pinned: stored vectors depend on these exact values, so a change of hashing or tokenisation must be
    // deliberate (and come with a new provider name, forcing a re-ingestion).
    const pinned = new LocalHashEmbeddingProvider({ dimensions: 32 }).embedOne('seat price');
    const nonZero = pinned.map((v, i) => [i, Math.round(v * 1e6) / 1e6]).filter(([, v]) => v !== 0);
    expect(nonZero).toEqual([
      [2, -0.184659],
      [3, 0.184659],
      [7, 0.184659],
      [9, 0.184659],
      [10, -0.369317],
      [16, -0.527596],
      [18, -0.184659],
      [19, 0.527596],
      [21, 0.184659],
      [26, -0.184659],
      [29, 0.184659],
      [31, 0.184659],
    ]);
  });

  it('returns unit vectors, and the zero vector for a text without words', async () => {
    const [vector, empty] = await provider.embed(['Our onboarding takes two weeks.', ' ,;. '], 'document');
    expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
    expect(empty.every((v) => v === 0)).toBe(true);
  });

  it('ranks the texts that share words and word pieces with the query first', async () => {
    const documents = [
      'Pricing: the Enterprise plan costs 45 EUR per seat per month, with volume discounts above 100 seats.',
      'Security: customer data is encrypted at rest with AES-256 and we are SOC 2 Type II certified.',
      'Onboarding: a customer success manager runs a two-week onboarding with training sessions.',
      'Integrations: native connectors for Salesforce, HubSpot and Slack, plus a REST API with webhooks.',
    ];
    const queries: [query: string, expected: number][] = [
      ['How much is a seat on the enterprise plan?', 0],
      ['Is my data encrypted? Are you SOC2 certified?', 1],
      ['how long does onboarding take, is there training', 2],
      ['do you integrate with hubspot or salesforce', 3],
    ];
    const docVectors = await provider.embed(documents, 'document');
    for (const [query, expected] of queries) {
      const [q] = await provider.embed([query], 'query');
      const scores = docVectors.map((d) => cosineSimilarity(q, d));
      const best = scores.indexOf(Math.max(...scores));
      expect({ query, best }).toEqual({ query, best: expected });
    }
  });

  it('matches inflections and accents (stems and character trigrams)', () => {
    const base = provider.embedOne('pricing of the licences');
    const inflected = provider.embedOne('licence prices');
    const unrelated = provider.embedOne('quarterly security audit');
    expect(cosineSimilarity(base, inflected)).toBeGreaterThan(cosineSimilarity(base, unrelated) + 0.3);
    expect(provider.embedOne('Café crème')).toEqual(provider.embedOne('cafe creme'));
  });

  it('knows no synonyms: its documented limit', () => {
    const q = provider.embedOne('cost');
    expect(cosineSimilarity(q, provider.embedOne('price'))).toBeLessThan(0.2);
  });

  it('rejects a dimension too small to be useful', () => {
    expect(() => new LocalHashEmbeddingProvider({ dimensions: 4 })).toThrow(/dimensions/);
  });
});
