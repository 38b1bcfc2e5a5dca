import { Injectable } from '@nestjs/common';
import type { CrmChangeAppliedData, CrmChangeProposedData, CrmChangeRejectedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { CrmChangeEntity } from '../entities';
import { json } from './sql';
import { PERSISTENCE_SCHEMA } from '../schema';

const crmChanges = `"${PERSISTENCE_SCHEMA}"."crm_changes"`;

/**
 * CRM change proposals and their outcomes. Idempotent: a redelivered proposal changes nothing, and an
 * outcome only moves a proposal forward (an applied or rejected change is never set back to proposed).
 */
@Injectable()
export class CrmChangeRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async proposed(tenantId: string, data: CrmChangeProposedData): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO ${crmChanges}
         ("proposal_id", "conversation_id", "turn_id", "tenant_id", "entity", "entity_id", "kind", "diff",
          "evidence", "evidence_origin", "source", "status", "proposed_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT ("proposal_id") DO UPDATE SET "evidence" = EXCLUDED."evidence",
         "evidence_origin" = EXCLUDED."evidence_origin", "source" = EXCLUDED."source",
         "proposed_at" = EXCLUDED."proposed_at"
       WHERE ${crmChanges}."tenant_id" = EXCLUDED."tenant_id"`,
      [
        data.proposalId,
        data.conversationId,
        data.turnId ?? null,
        tenantId,
        data.entity,
        data.entityId,
        data.kind,
        json(data.diff),
        data.evidence,
        data.evidenceOrigin,
        data.source,
        data.status,
        data.proposedAt,
      ],
    );
  }

  async decided(
    tenantId: string,
    data: CrmChangeAppliedData | CrmChangeRejectedData,
    outcome: { status: 'applied' | 'rejected'; at: string; reason?: string },
  ): Promise<void> {
    const applied = outcome.status === 'applied';
    await this.uow.manager.query(
      `INSERT INTO ${crmChanges}
         ("proposal_id", "conversation_id", "turn_id", "tenant_id", "entity", "entity_id", "kind", "diff",
          "status", "decided_by", "reason", "decided_at", "applied_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT ("proposal_id") DO UPDATE SET
         "status" = CASE WHEN ${crmChanges}."status" = 'auto_applied' AND EXCLUDED."status" = 'applied'
                         THEN 'auto_applied' ELSE EXCLUDED."status" END,
         "decided_by" = EXCLUDED."decided_by", "reason" = EXCLUDED."reason",
         "decided_at" = EXCLUDED."decided_at", "applied_at" = EXCLUDED."applied_at"
       WHERE ${crmChanges}."tenant_id" = EXCLUDED."tenant_id"`,
      [
        data.proposalId,
        data.conversationId,
        data.turnId ?? null,
        tenantId,
        data.entity,
        data.entityId,
        data.kind,
        json('diff' in data ? data.diff : {}),
        outcome.status,
        data.decidedBy,
        outcome.reason ?? null,
        outcome.at,
        applied ? outcome.at : null,
      ],
    );
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<CrmChangeEntity[]> {
    return this.uow.manager.find(CrmChangeEntity, { where: { tenantId, conversationId } });
  }
}
