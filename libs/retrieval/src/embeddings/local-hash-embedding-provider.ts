import type { EmbeddingProvider } from '../ports';
import { fnv1a32 } from '../text/hash';
import { isStopword, terms, words } from '../text/tokens';

export interface LocalHashEmbeddingOptions {
  /** Vector size. 384 by default: large enough to keep hash collisions rare on chunk-sized texts. */
  readonly dimensions?: number;
}

/** Relative weight of each feature family: whole words count most, character trigrams smooth out spelling. */
const FAMILY_WEIGHTS = { u: 1, b: 0.7, c: 0.35 } as const;
/** A second seed for the sign hash, so index and sign are independent. */
const SIGN_SEED = 0x9747b28c;

/**
 * An offline embedding with no model: feature hashing ("the hashing trick") of word unigrams, word bigrams
 * and character trigrams into a fixed-size vector, with a signed hash (collisions cancel out on average
 * instead of piling up), sublinear term frequency (1 + ln tf) and L2 normalisation (so cosine = dot product).
 *
 * It is lexical: texts are close when they share words or word pieces. It knows no synonyms and no meaning
 * ("price" and "cost" are unrelated to it). Good enough for demos, tests and the embedded mode; configure a
 * real embedding API in production (see the README).
 */
export class LocalHashEmbeddingProvider implements EmbeddingProvider {
  readonly name = 'local-hash-v1';
  readonly dimensions: number;

  constructor(options: LocalHashEmbeddingOptions = {}) {
    const dimensions = options.dimensions ?? 384;
    if (!Number.isInteger(dimensions) || dimensions < 8) {
      throw new Error(`LocalHashEmbeddingProvider: dimensions must be an integer >= 8, got ${dimensions}`);
    }
    this.dimensions = dimensions;
  }

  async embed(texts: readonly string[], _purpose: 'document' | 'query'): Promise<number[][]> {
    return texts.map((text) => this.embedOne(text));
  }

  /** Synchronous form, for callers that embed in a tight loop. */
  embedOne(text: string): number[] {
    // Occurrence counts per feature; the prefix names the family (u: word, b: bigram, c: char trigram).
    const counts = new Map<string, number>();
    const count = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);

    const content = terms(text);
    for (const term of content) count(`u:${term}`);
    for (let i = 1; i < content.length; i++) count(`b:${content[i - 1]} ${content[i]}`);
    for (const word of words(text)) {
      if (isStopword(word)) continue;
      const padded = `#${word}#`;
      for (let i = 0; i + 3 <= padded.length; i++) count(`c:${padded.slice(i, i + 3)}`);
    }

    const vector = new Array<number>(this.dimensions).fill(0);
    for (const [feature, tf] of counts) {
      const family = FAMILY_WEIGHTS[feature[0] as keyof typeof FAMILY_WEIGHTS];
      const index = fnv1a32(feature) % this.dimensions;
      const sign = (fnv1a32(feature, SIGN_SEED) & 1) === 0 ? 1 : -1;
      vector[index] += sign * family * (1 + Math.log(tf));
    }
    return l2Normalize(vector);
  }
}

/** Scales a vector to unit length; the zero vector (empty text) stays zero. */
export function l2Normalize(vector: number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  if (sum === 0) return vector;
  const norm = Math.sqrt(sum);
  return vector.map((v) => v / norm);
}

/** Cosine similarity; 0 when either vector is zero. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`cosineSimilarity: lengths differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
