import {
  estimateTokens,
  normaliseForComparison,
  suggestionDisposition,
  truncateChars,
  wordCount,
} from './turn-text';

describe('wordCount', () => {
  it.each([
    ['', 0],
    ['   ', 0],
    ['Hello', 1],
    ["We'd need it by Q3, say 50k USD.", 8],
    ['state-of-the-art — really?', 2],
    ['Ça coûte 20 000 €', 4],
    ['line one\nline\ttwo', 4],
  ])('%j has %i words', (text, words) => {
    expect(wordCount(text)).toBe(words);
  });
});

describe('estimateTokens', () => {
  it('counts about four characters per token, rounded up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abc')).toBe(1);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
    expect(estimateTokens('x'.repeat(8000))).toBe(2000);
  });
});

describe('suggestionDisposition', () => {
  it('accepts the suggested text sent as is, whatever the case and spacing', () => {
    expect(suggestionDisposition('Happy to help!', 'Happy to help!')).toBe('accepted');
    expect(suggestionDisposition('  happy   TO\nhelp! ', 'Happy to help!')).toBe('accepted');
    expect(suggestionDisposition('Ｈappy to help!', 'Happy to help!')).toBe('accepted');
  });

  it('calls any other change an edit', () => {
    expect(suggestionDisposition('Happy to help.', 'Happy to help!')).toBe('edited');
    expect(suggestionDisposition('Happy to help! Talk soon.', 'Happy to help!')).toBe('edited');
    expect(suggestionDisposition('', 'Happy to help!')).toBe('edited');
  });

  it('normalises spacing and case only', () => {
    expect(normaliseForComparison(' A\u00a0B\t\tC ')).toBe('a b c');
  });
});

describe('truncateChars', () => {
  it('keeps short values and cuts long ones by characters, not UTF-16 units', () => {
    expect(truncateChars('v1', 64)).toBe('v1');
    expect(truncateChars('abcdef', 3)).toBe('abc');
    expect(truncateChars('😀😀😀', 2)).toBe('😀😀');
  });
});
