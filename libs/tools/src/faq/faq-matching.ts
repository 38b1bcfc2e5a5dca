import { tokenize } from '../knowledge-base/tokenizer';

/** A question reduced to compare it with others: lowercase, stopwords dropped, crude stems, sorted, unique. */
export function normaliseQuestion(question: string): string {
  return [...new Set(tokenize(question))].sort().join(' ');
}

function bigrams(text: string): Map<string, number> {
  const grams = new Map<string, number>();
  const compact = ` ${text} `;
  for (let i = 0; i < compact.length - 1; i++) {
    const gram = compact.slice(i, i + 2);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/** Sørensen–Dice coefficient of character bigrams: tolerant of small spelling and inflection differences. */
function diceOfBigrams(a: string, b: string): number {
  if (!a || !b) return 0;
  const x = bigrams(a);
  const y = bigrams(b);
  let shared = 0;
  let total = 0;
  for (const [gram, n] of x) {
    shared += Math.min(n, y.get(gram) ?? 0);
    total += n;
  }
  for (const n of y.values()) total += n;
  return (2 * shared) / total;
}

/**
 * Similarity in [0, 1] of two normalised questions: the mean of the word overlap (Dice over the stemmed
 * content words) and the character-bigram Dice of the same words. Both must agree for a high score, so a
 * question sharing a few words with an entry does not get its exact answer.
 */
export function questionSimilarity(normalisedA: string, normalisedB: string): number {
  const a = new Set(normalisedA.split(' ').filter(Boolean));
  const b = new Set(normalisedB.split(' ').filter(Boolean));
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  const words = (2 * shared) / (a.size + b.size);
  return (words + diceOfBigrams(normalisedA, normalisedB)) / 2;
}

/** Above this similarity an FAQ entry answers the question exactly. */
export const DEFAULT_FAQ_THRESHOLD = 0.72;
