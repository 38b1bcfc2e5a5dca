import { z } from 'zod';
import { CrmChangeDiff, CrmChangeKind, CrmChangeSource, CrmEntity, CrmEvidenceOrigin } from '@lib/contracts';
import type { CrmAuditEntry, CrmChangeProposal } from '../proposals/crm-change.model';

export const CrmProposalStatusEnum = z.enum(['proposed', 'approved', 'rejected', 'applied', 'auto_applied']);

export const CrmAuditEntryView = z.object({
  action: z.enum(['proposed', 'approved', 'auto_approved', 'rejected', 'applied']),
  actor: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
  occurredAt: z.iso.datetime({ offset: true }),
});

/** A proposal as the internal API (and the gateway's public API) shows it. */
export const CrmProposalView = z.object({
  proposalId: z.uuid(),
  conversationId: z.uuid().nullable().describe('null once the conversation was deleted'),
  turnId: z.uuid().nullable(),
  entity: CrmEntity,
  entityId: z.uuid(),
  kind: CrmChangeKind,
  diff: CrmChangeDiff,
  evidence: z.string(),
  evidenceOrigin: CrmEvidenceOrigin,
  source: CrmChangeSource,
  status: CrmProposalStatusEnum,
  decidedBy: z.string().nullable(),
  decidedAt: z.iso.datetime({ offset: true }).nullable(),
  appliedAt: z.iso.datetime({ offset: true }).nullable(),
  reason: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  auditTrail: z.array(CrmAuditEntryView).optional(),
});
export type CrmProposalView = z.infer<typeof CrmProposalView>;

export const CrmProposalList = z.object({ proposals: z.array(CrmProposalView) });
export type CrmProposalList = z.infer<typeof CrmProposalList>;

export const CrmProposalListQuery = z.strictObject({
  status: CrmProposalStatusEnum.optional(),
  conversationId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type CrmProposalListQuery = z.infer<typeof CrmProposalListQuery>;

export const CrmDecisionBody = z.strictObject({
  decidedBy: z.string().trim().min(1).max(200),
  reason: z.string().trim().max(1000).optional(),
});
export type CrmDecisionBody = z.infer<typeof CrmDecisionBody>;

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function toProposalView(p: CrmChangeProposal, audit?: readonly CrmAuditEntry[]): CrmProposalView {
  return {
    proposalId: p.proposalId,
    conversationId: p.conversationId,
    turnId: p.turnId,
    entity: p.entity,
    entityId: p.entityId,
    kind: p.kind,
    diff: p.diff,
    evidence: p.evidence,
    evidenceOrigin: p.evidenceOrigin,
    source: p.source,
    status: p.status,
    decidedBy: p.decidedBy,
    decidedAt: iso(p.decidedAt),
    appliedAt: iso(p.appliedAt),
    reason: p.reason,
    createdAt: new Date(p.createdAt).toISOString(),
    ...(audit
      ? {
          auditTrail: audit.map((a) => ({
            action: a.action,
            actor: a.actor,
            details: a.details,
            occurredAt: new Date(a.occurredAt).toISOString(),
          })),
        }
      : {}),
  };
}
