import { Injectable, Logger } from '@nestjs/common';
import {
  CrmChangeApplied,
  CrmChangeProposed,
  CrmChangeRejected,
  deriveId,
  type CrmEvidenceOrigin,
} from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { EventPublisher } from '@lib/messaging';
import { CrmAdapter } from '../adapter/crm-adapter';
import { evaluateAutoApprove } from './auto-approve-policy';
import {
  CrmProposalConflictError,
  CrmProposalNotFoundError,
  type CrmChangeDraft,
  type CrmChangeProposal,
} from './crm-change.model';
import { staleFields } from './crm-diff';
import { classifyEvidence } from './crm-evidence';
import { CrmProposalRepository, type ProposalFilter } from './crm-proposal.repository';

export const POLICY_ACTOR = 'policy';

export interface ProposalOutcome {
  readonly proposalId: string;
  readonly status: 'proposed' | 'auto_applied';
}

export type CrmDecision =
  | { readonly approve: true; readonly decidedBy: string }
  | { readonly approve: false; readonly decidedBy: string; readonly reason?: string };

/**
 * CRM writes as proposals. `propose` records a change (never applying it on the model's word: only the
 * tenant's auto-approve policy, for evidence quoted from the prospect, applies it at once); `decide` applies
 * or rejects it. Each runs in one transaction: CRM rows, proposal status, audit rows and the event (outbox).
 */
@Injectable()
export class CrmChangeService {
  private readonly logger = new Logger(CrmChangeService.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly proposals: CrmProposalRepository,
    private readonly crm: CrmAdapter,
    private readonly events: EventPublisher,
  ) {}

  async propose(tenantId: string, draft: CrmChangeDraft): Promise<ProposalOutcome> {
    return this.uow.run(async () => {
      const existing = await this.proposals.find(tenantId, draft.proposalId);
      if (existing) return { proposalId: existing.proposalId, status: outcomeStatus(existing) };
      const turns = await this.proposals.conversationTurns(tenantId, draft.conversationId);
      const evidenceOrigin: CrmEvidenceOrigin = classifyEvidence(draft.evidence, turns);
      const policy = await this.proposals.policy(tenantId);
      const decision = evaluateAutoApprove(policy, { kind: draft.kind, diff: draft.diff, evidenceOrigin });
      const status = decision.autoApprove ? 'auto_applied' : 'proposed';
      if (!(await this.proposals.insert(tenantId, draft, evidenceOrigin, 'proposed'))) {
        const raced = await this.proposals.find(tenantId, draft.proposalId);
        return { proposalId: draft.proposalId, status: raced ? outcomeStatus(raced) : 'proposed' };
      }
      await this.proposals.audit(tenantId, draft.proposalId, 'proposed', draft.source, {
        evidenceOrigin,
        ...(decision.autoApprove ? {} : { notAutoApproved: decision.reason }),
      });
      const proposedAt = new Date().toISOString();
      await this.events.publish(
        CrmChangeProposed,
        {
          ...this.ref(draft),
          diff: draft.diff,
          evidence: draft.evidence,
          evidenceOrigin,
          source: draft.source,
          status,
          proposedAt,
        },
        { tenantId, id: deriveId(draft.proposalId, 'proposed'), correlationId: draft.turnId ?? undefined },
      );
      if (decision.autoApprove) {
        await this.proposals.audit(tenantId, draft.proposalId, 'auto_approved', POLICY_ACTOR);
        await this.apply(tenantId, draft, POLICY_ACTOR, 'auto_applied');
      }
      this.logger.log(`CRM change ${draft.kind} ${draft.proposalId} ${status} (evidence: ${evidenceOrigin})`);
      return { proposalId: draft.proposalId, status };
    });
  }

  /**
   * Approves (and applies) or rejects a proposal. Deciding again the same way changes nothing and returns the
   * proposal as it is; deciding the other way after a decision is a conflict.
   */
  async decide(tenantId: string, proposalId: string, decision: CrmDecision): Promise<CrmChangeProposal> {
    return this.uow.run(async () => {
      const found = await this.proposals.find(tenantId, proposalId, true);
      if (!found) throw new CrmProposalNotFoundError(proposalId);
      const applied = found.status === 'applied' || found.status === 'auto_applied';
      // Its conversation was deleted: only decided proposals outlive it (pending ones are deleted with it).
      if (found.conversationId === null) {
        if (decision.approve ? applied : found.status === 'rejected') return found;
        throw new CrmProposalConflictError(`proposal ${proposalId} is ${found.status}`);
      }
      const proposal = { ...found, conversationId: found.conversationId };
      if (decision.approve) {
        if (applied) return proposal;
        if (proposal.status !== 'proposed') {
          throw new CrmProposalConflictError(`proposal ${proposalId} is ${proposal.status}`);
        }
        await this.checkNotStale(tenantId, proposal);
        await this.proposals.audit(tenantId, proposalId, 'approved', decision.decidedBy);
        await this.apply(tenantId, proposal, decision.decidedBy, 'applied');
      } else {
        if (proposal.status === 'rejected') return proposal;
        if (proposal.status !== 'proposed') {
          throw new CrmProposalConflictError(`proposal ${proposalId} is ${proposal.status}`);
        }
        await this.proposals.setStatus(tenantId, proposalId, {
          status: 'rejected',
          decidedBy: decision.decidedBy,
          reason: decision.reason,
          applied: false,
        });
        await this.proposals.audit(tenantId, proposalId, 'rejected', decision.decidedBy, {
          ...(decision.reason ? { reason: decision.reason } : {}),
        });
        await this.events.publish(
          CrmChangeRejected,
          {
            ...this.ref(proposal),
            decidedBy: decision.decidedBy,
            ...(decision.reason ? { reason: decision.reason } : {}),
            rejectedAt: new Date().toISOString(),
          },
          { tenantId, id: deriveId(proposalId, 'rejected'), correlationId: proposal.turnId ?? undefined },
        );
      }
      this.logger.log(`CRM change ${proposalId} ${decision.approve ? 'applied' : 'rejected'}`);
      const decided = await this.proposals.find(tenantId, proposalId);
      if (!decided) throw new CrmProposalNotFoundError(proposalId);
      return decided;
    });
  }

  async get(tenantId: string, proposalId: string): Promise<CrmChangeProposal | undefined> {
    return this.proposals.find(tenantId, proposalId);
  }

  async list(tenantId: string, filter: ProposalFilter): Promise<CrmChangeProposal[]> {
    return this.proposals.list(tenantId, filter);
  }

  private async checkNotStale(tenantId: string, proposal: CrmChangeProposal): Promise<void> {
    if (proposal.kind !== 'update_deal' && proposal.kind !== 'update_contact') return;
    const entity = proposal.kind === 'update_deal' ? 'deal' : 'contact';
    const current = await this.crm.currentValues(tenantId, entity, proposal.entityId);
    if (!current)
      throw new CrmProposalConflictError(`the ${entity} of proposal ${proposal.proposalId} is gone`);
    const stale = staleFields(proposal.diff, current);
    if (stale.length > 0) {
      throw new CrmProposalConflictError(
        `the ${entity} changed since the proposal (${stale.join(', ')}): propose the change again`,
      );
    }
  }

  private async apply(
    tenantId: string,
    change: CrmChangeDraft,
    decidedBy: string,
    status: 'applied' | 'auto_applied',
  ): Promise<void> {
    await this.crm.applyChange(tenantId, change);
    await this.proposals.setStatus(tenantId, change.proposalId, { status, decidedBy, applied: true });
    await this.proposals.audit(tenantId, change.proposalId, 'applied', decidedBy, { diff: change.diff });
    await this.events.publish(
      CrmChangeApplied,
      { ...this.ref(change), diff: change.diff, decidedBy, appliedAt: new Date().toISOString() },
      { tenantId, id: deriveId(change.proposalId, 'applied'), correlationId: change.turnId ?? undefined },
    );
  }

  private ref(change: CrmChangeDraft): {
    proposalId: string;
    conversationId: string;
    turnId?: string;
    entity: CrmChangeDraft['entity'];
    entityId: string;
    kind: CrmChangeDraft['kind'];
  } {
    return {
      proposalId: change.proposalId,
      conversationId: change.conversationId,
      ...(change.turnId ? { turnId: change.turnId } : {}),
      entity: change.entity,
      entityId: change.entityId,
      kind: change.kind,
    };
  }
}

function outcomeStatus(proposal: CrmChangeProposal): ProposalOutcome['status'] {
  return proposal.status === 'auto_applied' ? 'auto_applied' : 'proposed';
}
