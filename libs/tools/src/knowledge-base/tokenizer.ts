import { isStopword, stem } from '@lib/retrieval';

/**
 * The FAQ matcher's tokenizer: retrieval's stopwords and stems (`@lib/retrieval` text/tokens, so "pricing",
 * "prices" and "priced" meet on "pric" here as in the knowledge search), with what short questions need on
 * top: apostrophes kept inside words ("what's" → "what", contractions as stopwords) and single letters
 * dropped.
 */
const CONTRACTIONS = new Set("lets i'm you're we're it's don't doesn't isn't can't won't".split(' '));

const ignored = (word: string): boolean => isStopword(word) || CONTRACTIONS.has(word);

export { stem };

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}']+/u)) {
    const word = raw.replace(/^'+|'+$/g, '');
    if (!word || ignored(word)) continue;
    const clean = word.replace(/'s$/, '').replace(/'/g, '');
    if (!clean || ignored(clean) || (clean.length === 1 && !/\d/.test(clean))) continue;
    tokens.push(stem(clean));
  }
  return tokens;
}
