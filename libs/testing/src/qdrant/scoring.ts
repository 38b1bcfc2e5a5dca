import type { Distance, SparseVector } from './wire';

// Scoring as Qdrant does it. Scores are float64 here (Qdrant computes in float32): compare orders, or scores with
// a tolerance, never exact float equality against a real Qdrant.

/** Qdrant's default `k` for reciprocal rank fusion (`DEFAULT_RRF_K` in lib/segment reciprocal_rank_fusion.rs). */
export const DEFAULT_RRF_K = 2;

export const normalise = (vector: readonly number[]): number[] => {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? [...vector] : vector.map((x) => x / norm);
};

/** Cosine vectors are normalised once, at upsert and at query time, then scored as a dot product (as Qdrant). */
export const prepareDense = (distance: Distance, vector: readonly number[]): number[] =>
  distance === 'Cosine' ? normalise(vector) : [...vector];

export const denseScore = (
  distance: Distance,
  query: readonly number[],
  stored: readonly number[],
): number => {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return query.reduce((sum, x, i) => sum + x * (stored[i] ?? 0), 0);
    case 'Euclid':
      return Math.sqrt(query.reduce((sum, x, i) => sum + (x - (stored[i] ?? 0)) ** 2, 0));
    case 'Manhattan':
      return query.reduce((sum, x, i) => sum + Math.abs(x - (stored[i] ?? 0)), 0);
  }
};

/** Euclid and Manhattan are distances: smaller is better, and `score_threshold` is an upper bound. */
export const smallerIsBetter = (distance: Distance | 'sparse'): boolean =>
  distance === 'Euclid' || distance === 'Manhattan';

/**
 * Sparse dot product over the shared indices, `undefined` when none is shared: Qdrant's inverted index never
 * returns a point that has no index in common with the query.
 */
export const sparseScore = (
  query: SparseVector,
  stored: SparseVector,
  idf?: ReadonlyMap<number, number>,
): number | undefined => {
  const storedValues = new Map<number, number>();
  stored.indices.forEach((index, i) => storedValues.set(index, stored.values[i] ?? 0));
  let score = 0;
  let shared = false;
  query.indices.forEach((index, i) => {
    const value = storedValues.get(index);
    if (value === undefined) return;
    shared = true;
    score += (query.values[i] ?? 0) * (idf?.get(index) ?? 1) * value;
  });
  return shared ? score : undefined;
};

/**
 * The `idf` modifier: the query's value at each index is multiplied by BM25's idf,
 * `ln(1 + (N - n + 0.5) / (n + 0.5))`, N the points having this sparse vector, n those having the index.
 */
export const idfWeights = (query: SparseVector, corpus: readonly SparseVector[]): Map<number, number> => {
  const total = corpus.length;
  const weights = new Map<number, number>();
  for (const index of query.indices) {
    const n = corpus.filter((v) => v.indices.includes(index)).length;
    weights.set(index, Math.log(1 + (total - n + 0.5) / (n + 0.5)));
  }
  return weights;
};

export interface Ranked<T> {
  readonly item: T;
  readonly key: string;
  readonly score: number;
}

/**
 * Reciprocal rank fusion as Qdrant computes it: a point at 0-based `position` in a list of weight `w` adds
 * `1 / ((position + 1) / w + k - 1)`, i.e. `1 / (position + k)` with the default weight 1 and `k` = 2. Lists are
 * ordered best first. Equal fused scores keep the order in which points were first seen (Qdrant leaves ties
 * unspecified).
 */
export const rrf = <T>(
  lists: readonly (readonly Ranked<T>[])[],
  k: number = DEFAULT_RRF_K,
  weights: readonly number[] = [],
): Ranked<T>[] => {
  const fused = new Map<string, { item: T; score: number; seen: number }>();
  lists.forEach((list, listIndex) => {
    const weight = weights[listIndex] ?? 1;
    list.forEach((entry, position) => {
      const contribution = weight <= 0 ? 0 : 1 / ((position + 1) / weight + k - 1);
      const existing = fused.get(entry.key);
      if (existing) existing.score += contribution;
      else fused.set(entry.key, { item: entry.item, score: contribution, seen: fused.size });
    });
  });
  return [...fused.entries()]
    .sort(([, a], [, b]) => b.score - a.score || a.seen - b.seen)
    .map(([key, { item, score }]) => ({ key, item, score }));
};

/**
 * Distribution-based score fusion (Qdrant's `dbsf`): each list's scores are normalised to
 * `(s - (mean - 3σ)) / 6σ` (sample σ; a single point, or σ = 0, scores 0.5), then summed per point. A list whose
 * first score is below its last is a distance list (smaller is better) and is negated first.
 */
export const dbsf = <T>(lists: readonly (readonly Ranked<T>[])[]): Ranked<T>[] => {
  const fused = new Map<string, { item: T; score: number; seen: number }>();
  for (const list of lists) {
    const first = list[0];
    const last = list[list.length - 1];
    const sign = first && last && first.score < last.score ? -1 : 1;
    const scores = list.map((e) => e.score * sign);
    let normalised: number[];
    if (scores.length < 2) normalised = scores.map(() => 0.5);
    else {
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      const std = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / (scores.length - 1));
      const [min, max] = [mean - 3 * std, mean + 3 * std];
      normalised = scores.map((s) => (max === min ? 0.5 : (s - min) / (max - min)));
    }
    list.forEach((entry, i) => {
      const existing = fused.get(entry.key);
      const score = normalised[i] ?? 0;
      if (existing) existing.score += score;
      else fused.set(entry.key, { item: entry.item, score, seen: fused.size });
    });
  }
  return [...fused.entries()]
    .sort(([, a], [, b]) => b.score - a.score || a.seen - b.seen)
    .map(([key, { item, score }]) => ({ key, item, score }));
};
