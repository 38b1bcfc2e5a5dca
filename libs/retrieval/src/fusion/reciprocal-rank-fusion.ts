/** The constant of reciprocal-rank fusion (Cormack et al., 2009): dampens the weight of the very top ranks. */
export const RRF_K = 60;

export interface FusedHit {
  readonly id: string;
  readonly score: number;
}

/**
 * Reciprocal-rank fusion: each ranking (best first) gives an item `1 / (k + position)`, position counted from
 * 0 (Qdrant's exact formula, so both stores score alike; the paper's `1 / (k + rank)` counts from 1, a
 * negligible shift for k = 60). An item's fused score is the sum over the rankings it appears in. Only ranks
 * matter, so rankings with incomparable scores (cosine similarity, BM25) combine without calibration. Ties are
 * broken by id, so the order is deterministic. The one implementation of RRF in this code base: the embedded
 * store uses it, Qdrant computes the same on the server (`query: { rrf: { k: RRF_K } }`).
 */
export function reciprocalRankFusion(
  rankings: readonly (readonly string[])[],
  k: number = RRF_K,
): FusedHit[] {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    const seen = new Set<string>();
    ranking.forEach((id, position) => {
      if (seen.has(id)) return; // an item counts once per ranking, at its best rank
      seen.add(id);
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + position));
    });
  }
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
