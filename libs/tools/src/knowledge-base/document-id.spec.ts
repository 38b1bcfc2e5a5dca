import { DOCUMENT_ID_PATTERN, documentIdFor, passageSourceId } from './document-id';

describe('documentIdFor', () => {
  it('keeps a relative path, normalising separators and leading ./ or /', () => {
    expect(documentIdFor('posthog/refunds.md')).toBe('posthog/refunds.md');
    expect(documentIdFor('./posthog\\billing.md')).toBe('posthog/billing.md');
    expect(documentIdFor('/docs/a b.md')).toBe('docs/a-b.md');
  });

  it('turns a URL into host + path without scheme, query or fragment', () => {
    expect(documentIdFor('https://PostHog.com/docs/billing/?utm=x#top')).toBe('posthog.com/docs/billing');
    expect(documentIdFor('https://posthog.com/docs/billing')).toBe(
      documentIdFor('http://posthog.com/docs/billing/'),
    );
  });

  it('never climbs out with .. and always matches the id alphabet, even for long sources', () => {
    expect(documentIdFor('../../etc/passwd')).toBe('etc/passwd');
    const long = documentIdFor(`https://x.test/${'segment/'.repeat(80)}end`);
    expect(long.length).toBeLessThanOrEqual(300);
    expect(long).toMatch(DOCUMENT_ID_PATTERN);
    expect(documentIdFor(`https://x.test/${'segment/'.repeat(80)}other`)).not.toBe(long);
    expect(() => documentIdFor('???')).toThrow(/no document id/);
  });

  it('cites a chunk as kb:<documentId>#<chunkIndex>', () => {
    expect(passageSourceId('posthog/refunds.md', 3)).toBe('kb:posthog/refunds.md#3');
  });
});
