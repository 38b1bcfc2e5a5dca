import { DealStage, type CrmChangeDiff, type CrmChangeKind, type CrmEvidenceOrigin } from '@lib/contracts';

/**
 * A tenant's auto-approve policy: which kinds of change and which fields may be applied without a rep, and
 * within which bounds. A missing bound means "never automatically" for that field.
 */
export interface AutoApprovePolicy {
  readonly enabled: boolean;
  readonly allowedKinds: readonly CrmChangeKind[];
  /** Fields of update kinds (`stage`, `amount`, `closeDate`, `title`, ...); creations only need the kind. */
  readonly allowedFields: readonly string[];
  /** An amount may change by at most this percentage of its current value. */
  readonly maxAmountChangePct: number | null;
  /** A stage may only advance, by at most this many steps (closing a deal is always a rep's decision). */
  readonly maxStageAdvance: number | null;
}

export interface PolicyCandidate {
  readonly kind: CrmChangeKind;
  readonly diff: CrmChangeDiff;
  readonly evidenceOrigin: CrmEvidenceOrigin;
}

export type PolicyDecision =
  { readonly autoApprove: true } | { readonly autoApprove: false; readonly reason: string };

const UPDATE_KINDS: ReadonlySet<CrmChangeKind> = new Set(['update_deal', 'update_contact']);
const OPEN_STAGES: readonly string[] = DealStage.options.filter((s) => !s.startsWith('closed_'));

const no = (reason: string): PolicyDecision => ({ autoApprove: false, reason });

function checkField(
  policy: AutoApprovePolicy,
  field: string,
  from: unknown,
  to: unknown,
): string | undefined {
  if (!policy.allowedFields.includes(field)) return `field ${field} is not auto-approved`;
  if (field === 'amount') {
    if (policy.maxAmountChangePct === null) return 'amount changes have no bound';
    const before = Number(from);
    const after = Number(to);
    if (!Number.isFinite(before) || !Number.isFinite(after) || before <= 0)
      return 'amount change not measurable';
    const pct = (Math.abs(after - before) / before) * 100;
    if (pct > policy.maxAmountChangePct) {
      return `amount changes by ${pct.toFixed(1)}% (bound ${policy.maxAmountChangePct}%)`;
    }
  }
  if (field === 'stage') {
    if (policy.maxStageAdvance === null) return 'stage changes have no bound';
    const before = OPEN_STAGES.indexOf(String(from));
    const after = OPEN_STAGES.indexOf(String(to));
    if (before < 0 || after < 0) return 'only open stages are auto-approved';
    if (after <= before) return 'a stage may only advance';
    if (after - before > policy.maxStageAdvance) {
      return `stage advances ${after - before} steps (bound ${policy.maxStageAdvance})`;
    }
  }
  return undefined;
}

/** Whether a proposal may be applied at once under the policy; the reason when not. */
export function evaluateAutoApprove(
  policy: AutoApprovePolicy | undefined,
  candidate: PolicyCandidate,
): PolicyDecision {
  if (!policy?.enabled) return no('no auto-approve policy');
  // Prompt injection (LLM01/LLM06): only the prospect's own, verified words may drive an automatic write.
  if (candidate.evidenceOrigin !== 'prospect') return no('evidence is not a quote of the prospect');
  if (!policy.allowedKinds.includes(candidate.kind)) return no(`kind ${candidate.kind} is not auto-approved`);
  if (UPDATE_KINDS.has(candidate.kind)) {
    const fields = Object.entries(candidate.diff);
    if (fields.length === 0) return no('empty change');
    for (const [field, change] of fields) {
      const refusal = checkField(policy, field, change.from, change.to);
      if (refusal) return no(refusal);
    }
  }
  return { autoApprove: true };
}
