import { Injectable, Logger } from '@nestjs/common';
import {
  DealStage,
  deriveId,
  type AnalysisCompletedData,
  type CrmFieldValue,
  type ProposedCrmUpdate,
  type TurnReceivedData,
} from '@lib/contracts';
import { CrmAdapter, type CrmProspect } from '../adapter/crm-adapter';
import type { CrmChangeDraft } from './crm-change.model';
import { CrmChangeService, type ProposalOutcome } from './crm-change.service';
import { buildUpdateDiff } from './crm-diff';
import { CrmProposalRepository } from './crm-proposal.repository';

/** The analysis event arrived before its turn: thrown so the transport retries the event a little later. */
export class TurnNotYetKnownError extends Error {
  constructor(turnId: string) {
    super(`turn ${turnId} is not known yet`);
    this.name = 'TurnNotYetKnownError';
  }
}

/** Field names the analysis may use (several spellings) → the CRM field and how to read the value. */
const DEAL_FIELDS: Record<string, { field: string; parse: (v: CrmFieldValue) => CrmFieldValue | undefined }> =
  {
    stage: {
      field: 'stage',
      parse: (v) =>
        DealStage.safeParse(
          String(v)
            .toLowerCase()
            .replace(/[\s-]+/g, '_'),
        ).data,
    },
    amount: {
      field: 'amount',
      parse: (v) => {
        const n = typeof v === 'number' ? v : Number(String(v).replace(/[^0-9.]/g, ''));
        return Number.isFinite(n) && n >= 0 && v !== '' && v !== null ? n : undefined;
      },
    },
    closeDate: {
      field: 'closeDate',
      parse: (v) => (/^\d{4}-\d{2}-\d{2}$/.test(String(v)) ? String(v) : undefined),
    },
    name: {
      field: 'name',
      parse: (v) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : undefined),
    },
  };
DEAL_FIELDS.close_date = DEAL_FIELDS.closeDate;
const text = (v: CrmFieldValue): CrmFieldValue | undefined =>
  typeof v === 'string' && v.trim() ? v.trim() : undefined;
const CONTACT_FIELDS: Record<
  string,
  { field: string; parse: (v: CrmFieldValue) => CrmFieldValue | undefined }
> = {
  firstName: { field: 'firstName', parse: text },
  first_name: { field: 'firstName', parse: text },
  lastName: { field: 'lastName', parse: text },
  last_name: { field: 'lastName', parse: text },
  email: { field: 'email', parse: text },
  title: { field: 'title', parse: text },
  phone: { field: 'phone', parse: text },
};

/**
 * The conversation side of the CRM: keeps the turns (to verify evidence and to know the prospect) and turns
 * the analysis's `proposedCrmUpdates` into proposals. The analysis names no record: its updates apply to the
 * conversation's prospect, resolved from the prospect reference the turn carried (`conversation.prospect`:
 * CRM contact id, email, name, company), and "the deal" is the prospect's first open deal (nearest close date),
 * the one `crm_lookup_prospect` lists first and the model saw.
 */
@Injectable()
export class CrmConversationService {
  private readonly logger = new Logger(CrmConversationService.name);

  constructor(
    private readonly proposals: CrmProposalRepository,
    private readonly crm: CrmAdapter,
    private readonly changes: CrmChangeService,
  ) {}

  async recordTurn(tenantId: string, turn: TurnReceivedData): Promise<void> {
    await this.proposals.recordTurn(tenantId, {
      turnId: turn.turnId,
      conversationId: turn.conversationId,
      sequence: turn.sequence,
      role: turn.role,
      text: turn.text,
      prospect: turn.conversation.prospect,
      receivedAt: new Date(turn.receivedAt),
    });
  }

  /** The CRM prospect of the conversation, from the prospect reference of its latest turn. */
  async prospectOf(tenantId: string, conversationId: string): Promise<CrmProspect | undefined> {
    const turns = await this.proposals.conversationTurns(tenantId, conversationId);
    const latest = turns.at(-1);
    return latest ? this.crm.findProspect(tenantId, latest.prospect) : undefined;
  }

  async proposeFromAnalysis(tenantId: string, analysis: AnalysisCompletedData): Promise<ProposalOutcome[]> {
    const updates = analysis.proposedCrmUpdates ?? [];
    if (updates.length === 0) return [];
    const turn = await this.proposals.findTurn(tenantId, analysis.turnId);
    if (!turn) throw new TurnNotYetKnownError(analysis.turnId);
    const prospect = await this.crm.findProspect(tenantId, turn.prospect);
    if (!prospect) {
      this.logger.warn(
        `analysis of turn ${analysis.turnId} proposes CRM updates, but the prospect is not in the CRM`,
      );
      return [];
    }
    const outcomes: ProposalOutcome[] = [];
    for (const [index, update] of updates.entries()) {
      const draft = await this.draftFromUpdate(tenantId, analysis, prospect, update, index);
      if (draft) outcomes.push(await this.changes.propose(tenantId, draft));
    }
    return outcomes;
  }

  private async draftFromUpdate(
    tenantId: string,
    analysis: AnalysisCompletedData,
    prospect: CrmProspect,
    update: ProposedCrmUpdate,
    index: number,
  ): Promise<CrmChangeDraft | undefined> {
    const skip = (why: string): undefined => {
      this.logger.warn(
        `analysis update ${index} of turn ${analysis.turnId} (${update.entity}.${update.field}) skipped: ${why}`,
      );
      return undefined;
    };
    const target =
      update.entity === 'deal'
        ? {
            entity: 'deal' as const,
            id: prospect.openDeals[0]?.id,
            fields: DEAL_FIELDS,
            kind: 'update_deal' as const,
          }
        : update.entity === 'contact'
          ? {
              entity: 'contact' as const,
              id: prospect.contact?.id,
              fields: CONTACT_FIELDS,
              kind: 'update_contact' as const,
            }
          : undefined;
    if (!target) return skip('account fields are not updatable');
    if (!target.id) return skip(`the prospect has no ${update.entity}`);
    const spec = target.fields[update.field];
    if (!spec) return skip('unknown field');
    const value = spec.parse(update.value);
    if (value === undefined) return skip('invalid value');
    const current = await this.crm.currentValues(tenantId, target.entity, target.id);
    if (!current) return skip('record not found');
    const diff = buildUpdateDiff(current, { [spec.field]: value });
    if (Object.keys(diff).length === 0) return undefined;
    return {
      proposalId: deriveId('crm-proposal', tenantId, analysis.turnId, 'analysis', String(index)),
      conversationId: analysis.conversationId,
      turnId: analysis.turnId,
      entity: target.entity,
      entityId: target.id,
      kind: target.kind,
      diff,
      evidence: update.evidence,
      source: 'analysis',
    };
  }
}
