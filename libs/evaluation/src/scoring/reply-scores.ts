import { ReplyGeneratedData, type GroundingSource } from '@lib/contracts';
import { contentWords, extractClaims } from './claims';

export interface ScoringOptions {
  /** A reply is `grounded` when its groundedness is at least this. */
  readonly groundednessThreshold: number;
  /** A claim is supported when at least this share of its content words appear in one source. */
  readonly claimSupportRatio: number;
}

export interface ClaimSupport {
  readonly claim: string;
  readonly supported: boolean;
  /** Best share of the claim's content words found in one source, and which source. */
  readonly coverage: number;
  readonly sourceId?: string;
}

export interface ReplyScores {
  readonly groundedness: number;
  readonly grounded: boolean;
  readonly citationValidity: number;
  readonly schemaValid: boolean;
  readonly schemaIssues: string[];
  readonly claims: ClaimSupport[];
  readonly latency: { totalMs: number; stages: Record<string, number> };
}

function support(
  claim: string,
  sources: readonly { sourceId: string; words: ReadonlySet<string> }[],
): ClaimSupport {
  const words = [...new Set(contentWords(claim))];
  let best: { coverage: number; sourceId?: string } = { coverage: 0 };
  for (const source of sources) {
    const found = words.filter((w) => source.words.has(w)).length;
    const coverage = words.length === 0 ? 0 : found / words.length;
    if (coverage > best.coverage) best = { coverage, sourceId: source.sourceId };
  }
  return { claim, supported: false, ...best };
}

/** Claims of the reply checked one by one against the grounding; no claims means nothing unsupported. */
export function assessGroundedness(
  text: string,
  grounding: readonly GroundingSource[],
  claimSupportRatio: number,
): { groundedness: number; claims: ClaimSupport[] } {
  const sources = grounding.map((g) => ({
    sourceId: g.sourceId,
    words: new Set(contentWords(`${g.title}\n${g.text}`)),
  }));
  const claims = extractClaims(text).map((claim) => {
    const s = support(claim, sources);
    return { ...s, supported: s.coverage >= claimSupportRatio };
  });
  const supported = claims.filter((c) => c.supported).length;
  return { groundedness: claims.length === 0 ? 1 : supported / claims.length, claims };
}

/** Share of citations that point at a grounding source; 1 when there is nothing to cite and nothing cited. */
export function citationValidity(
  citations: readonly { sourceId: string }[],
  grounding: readonly { sourceId: string }[],
): number {
  if (citations.length === 0) return 1;
  const known = new Set(grounding.map((g) => g.sourceId));
  return citations.filter((c) => known.has(c.sourceId)).length / citations.length;
}

/**
 * The reply against its contract, plus what the contract cannot say: a reply that makes claims while
 * context was available must cite it.
 */
export function schemaValidity(reply: unknown, claimCount: number): { valid: boolean; issues: string[] } {
  const parsed = ReplyGeneratedData.safeParse(reply);
  if (!parsed.success) {
    return {
      valid: false,
      issues: parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`),
    };
  }
  if (parsed.data.grounding.length > 0 && parsed.data.citations.length === 0 && claimCount > 0) {
    return {
      valid: false,
      issues: ['citations: empty although grounding was available and the reply makes claims'],
    };
  }
  return { valid: true, issues: [] };
}

const msBetween = (from: string, to: string): number => Math.max(0, Date.parse(to) - Date.parse(from));

/**
 * Latency per stage from the reply's own timing (clock skew between services clamps at zero): `queue`, `tools`
 * (the rounds' wall time), `generation` (model calls), `total`, and per tool `tool.<name>` (its calls' round
 * trips summed, when the orchestrator reported them in `timing.tools`).
 */
export function latencyStages(reply: Pick<ReplyGeneratedData, 'timing' | 'generatedAt'>): {
  totalMs: number;
  stages: Record<string, number>;
} {
  const { timing } = reply;
  const totalMs = msBetween(timing.turnReceivedAt, reply.generatedAt);
  const perTool: Record<string, number> = {};
  for (const t of timing.tools ?? []) {
    perTool[`tool.${t.tool}`] = (perTool[`tool.${t.tool}`] ?? 0) + t.durationMs;
  }
  return {
    totalMs,
    stages: {
      queue: msBetween(timing.turnReceivedAt, timing.orchestrationStartedAt),
      tools: timing.toolsMs,
      ...perTool,
      generation: timing.generationMs,
      total: totalMs,
    },
  };
}

export function scoreReply(reply: ReplyGeneratedData, options: ScoringOptions): ReplyScores {
  const { groundedness, claims } = assessGroundedness(reply.text, reply.grounding, options.claimSupportRatio);
  const schema = schemaValidity(reply, claims.length);
  return {
    groundedness,
    grounded: groundedness >= options.groundednessThreshold,
    citationValidity: citationValidity(reply.citations, reply.grounding),
    schemaValid: schema.valid,
    schemaIssues: schema.issues,
    claims,
    latency: latencyStages(reply),
  };
}
