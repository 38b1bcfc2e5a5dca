import { DEFAULT_FAQ_THRESHOLD, normaliseQuestion, questionSimilarity } from './faq-matching';

const similarity = (a: string, b: string) => questionSimilarity(normaliseQuestion(a), normaliseQuestion(b));

describe('FAQ question matching', () => {
  it('normalises case, punctuation, stopwords and inflections', () => {
    expect(normaliseQuestion('Can I set a billing LIMIT?')).toBe(
      normaliseQuestion('can i set billing limits'),
    );
  });

  it('matches the same question asked a little differently above the threshold', () => {
    expect(similarity('Can I set a billing limit?', 'Can I set a billing limit?')).toBe(1);
    expect(similarity('Can I set billing limits?', 'Can I set a billing limit?')).toBeGreaterThanOrEqual(
      DEFAULT_FAQ_THRESHOLD,
    );
    expect(similarity('can we get a trial', 'Can I have a trial?')).toBeGreaterThanOrEqual(
      DEFAULT_FAQ_THRESHOLD,
    );
  });

  it('keeps questions that only share a word or two below the threshold', () => {
    expect(
      similarity('What happens to my billing when I cancel?', 'Can I set a billing limit?'),
    ).toBeLessThan(DEFAULT_FAQ_THRESHOLD);
    expect(similarity('Do you support SAML SSO?', 'Can I have a trial?')).toBeLessThan(0.3);
    expect(similarity('', 'Can I have a trial?')).toBe(0);
  });
});
