import type {
  CrmChangeDiff,
  CrmChangeKind,
  CrmChangeSource,
  CrmEntity,
  CrmEvidenceOrigin,
  CrmFieldValue,
} from '@lib/contracts';

export type CrmProposalStatus = 'proposed' | 'approved' | 'rejected' | 'applied' | 'auto_applied';

/** A change to the CRM, as proposed. Nothing in the CRM changes until it is approved. */
export interface CrmChangeDraft {
  /** Deterministic (from the tool call or the analysis), so a redelivery proposes nothing new. */
  readonly proposalId: string;
  readonly conversationId: string;
  readonly turnId: string | null;
  readonly entity: CrmEntity;
  readonly entityId: string;
  readonly kind: CrmChangeKind;
  readonly diff: CrmChangeDiff;
  readonly evidence: string;
  readonly source: CrmChangeSource;
}

export interface CrmChangeProposal extends Omit<CrmChangeDraft, 'conversationId'> {
  /**
   * Null once its conversation was deleted: a decided proposal stays as the audit of the CRM change, without
   * the conversation (and its evidence removed); pending proposals are deleted with the conversation.
   */
  readonly conversationId: string | null;
  readonly tenantId: string;
  readonly evidenceOrigin: CrmEvidenceOrigin;
  readonly status: CrmProposalStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  readonly appliedAt: Date | null;
  readonly reason: string | null;
  readonly createdAt: Date;
}

export type CrmAuditAction = 'proposed' | 'approved' | 'auto_approved' | 'rejected' | 'applied';

export interface CrmAuditEntry {
  readonly proposalId: string;
  readonly action: CrmAuditAction;
  readonly actor: string;
  readonly details: Record<string, unknown> | null;
  readonly occurredAt: Date;
}

/** The current values of a CRM record's fields, as a diff compares them. */
export type CrmFieldValues = Readonly<Record<string, CrmFieldValue>>;

/** The proposal does not exist for this tenant (another tenant's proposal is "not found" too). */
export class CrmProposalNotFoundError extends Error {
  constructor(readonly proposalId: string) {
    super(`CRM change proposal ${proposalId} not found`);
    this.name = 'CrmProposalNotFoundError';
  }
}

/** The decision cannot be taken: already decided the other way, or the record changed since the proposal. */
export class CrmProposalConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrmProposalConflictError';
  }
}
