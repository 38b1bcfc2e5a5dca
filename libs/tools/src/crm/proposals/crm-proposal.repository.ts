import { Injectable } from '@nestjs/common';
import {
  deriveId,
  type CrmChangeKind,
  type CrmEvidenceOrigin,
  type ProspectRef,
  type TurnRole,
} from '@lib/contracts';
import { schemaOf, UnitOfWork } from '@lib/database';
import type { AutoApprovePolicy } from './auto-approve-policy';
import type {
  CrmAuditAction,
  CrmAuditEntry,
  CrmChangeDraft,
  CrmChangeProposal,
  CrmProposalStatus,
} from './crm-change.model';

export interface ConversationTurnRecord {
  readonly turnId: string;
  readonly conversationId: string;
  readonly sequence: number;
  readonly role: TurnRole;
  readonly text: string;
  readonly prospect: ProspectRef;
  readonly receivedAt: Date;
}

export interface ProposalFilter {
  readonly status?: CrmProposalStatus;
  readonly conversationId?: string;
  readonly limit: number;
}

const PROPOSAL_COLUMNS = `p."id" AS "proposalId", p."tenant_id" AS "tenantId", p."conversation_id" AS "conversationId",
  p."turn_id" AS "turnId", p."entity", p."entity_id" AS "entityId", p."kind", p."diff", p."evidence",
  p."evidence_origin" AS "evidenceOrigin", p."source", p."status", p."decided_by" AS "decidedBy",
  p."decided_at" AS "decidedAt", p."applied_at" AS "appliedAt", p."reason", p."created_at" AS "createdAt"`;

interface PolicyRow {
  enabled: boolean;
  allowedKinds: CrmChangeKind[];
  allowedFields: string[];
  maxAmountChangePct: string | null;
  maxStageAdvance: number | null;
}

/** Proposals, their audit trail, the auto-approve policies and the turns kept to verify evidence. */
@Injectable()
export class CrmProposalRepository {
  private readonly schema: string;

  constructor(private readonly uow: UnitOfWork) {
    this.schema = schemaOf(uow.dataSource);
  }

  private table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  /** Inserts the proposal; false when a proposal with this id exists already (a redelivery). */
  async insert(
    tenantId: string,
    draft: CrmChangeDraft,
    evidenceOrigin: CrmEvidenceOrigin,
    status: CrmProposalStatus,
  ): Promise<boolean> {
    const rows: unknown[] = await this.uow.manager.query(
      `INSERT INTO ${this.table('crm_change_proposals')}
         ("id", "tenant_id", "conversation_id", "turn_id", "entity", "entity_id", "kind", "diff", "evidence",
          "evidence_origin", "source", "status")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
      [
        draft.proposalId,
        tenantId,
        draft.conversationId,
        draft.turnId,
        draft.entity,
        draft.entityId,
        draft.kind,
        JSON.stringify(draft.diff),
        draft.evidence,
        evidenceOrigin,
        draft.source,
        status,
      ],
    );
    return rows.length === 1;
  }

  /** The tenant's proposal (another tenant's id finds nothing); `lock` holds it until the transaction ends. */
  async find(tenantId: string, proposalId: string, lock = false): Promise<CrmChangeProposal | undefined> {
    const rows: CrmChangeProposal[] = await this.uow.manager.query(
      `SELECT ${PROPOSAL_COLUMNS} FROM ${this.table('crm_change_proposals')} p
       WHERE p."tenant_id" = $1 AND p."id" = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, proposalId],
    );
    return rows[0];
  }

  async list(tenantId: string, filter: ProposalFilter): Promise<CrmChangeProposal[]> {
    return this.uow.manager.query(
      `SELECT ${PROPOSAL_COLUMNS} FROM ${this.table('crm_change_proposals')} p
       WHERE p."tenant_id" = $1 AND ($2::text IS NULL OR p."status" = $2) AND ($3::uuid IS NULL OR p."conversation_id" = $3)
       ORDER BY p."created_at" DESC, p."id" LIMIT $4`,
      [tenantId, filter.status ?? null, filter.conversationId ?? null, filter.limit],
    );
  }

  async setStatus(
    tenantId: string,
    proposalId: string,
    change: { status: CrmProposalStatus; decidedBy: string; reason?: string; applied: boolean },
  ): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${this.table('crm_change_proposals')}
       SET "status" = $3, "decided_by" = $4, "decided_at" = now(), "reason" = $5,
           "applied_at" = CASE WHEN $6 THEN now() ELSE "applied_at" END
       WHERE "tenant_id" = $1 AND "id" = $2`,
      [tenantId, proposalId, change.status, change.decidedBy, change.reason ?? null, change.applied],
    );
  }

  /** One audit row per proposal and action (deterministic id: a redelivery adds nothing). */
  async audit(
    tenantId: string,
    proposalId: string,
    action: CrmAuditAction,
    actor: string,
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO ${this.table('crm_audit_log')} ("id", "tenant_id", "proposal_id", "action", "actor", "details")
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ("id") DO NOTHING`,
      [
        deriveId(proposalId, 'audit', action),
        tenantId,
        proposalId,
        action,
        actor,
        details ? JSON.stringify(details) : null,
      ],
    );
  }

  async auditTrail(tenantId: string, proposalId: string): Promise<CrmAuditEntry[]> {
    return this.uow.manager.query(
      `SELECT "proposal_id" AS "proposalId", "action", "actor", "details", "occurred_at" AS "occurredAt"
       FROM ${this.table('crm_audit_log')} WHERE "tenant_id" = $1 AND "proposal_id" = $2
       ORDER BY "occurred_at", CASE "action" WHEN 'proposed' THEN 0 WHEN 'applied' THEN 2 ELSE 1 END`,
      [tenantId, proposalId],
    );
  }

  async policy(tenantId: string): Promise<AutoApprovePolicy | undefined> {
    const rows: PolicyRow[] = await this.uow.manager.query(
      `SELECT "enabled", "allowed_kinds" AS "allowedKinds", "allowed_fields" AS "allowedFields",
              "max_amount_change_pct" AS "maxAmountChangePct", "max_stage_advance" AS "maxStageAdvance"
       FROM ${this.table('crm_auto_approve_policies')} WHERE "tenant_id" = $1`,
      [tenantId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...row,
      maxAmountChangePct: row.maxAmountChangePct === null ? null : Number(row.maxAmountChangePct),
    };
  }

  async savePolicy(tenantId: string, policy: AutoApprovePolicy): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO ${this.table('crm_auto_approve_policies')}
         ("tenant_id", "enabled", "allowed_kinds", "allowed_fields", "max_amount_change_pct", "max_stage_advance")
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("tenant_id") DO UPDATE SET "enabled" = $2, "allowed_kinds" = $3, "allowed_fields" = $4,
         "max_amount_change_pct" = $5, "max_stage_advance" = $6, "updated_at" = now()`,
      [
        tenantId,
        policy.enabled,
        policy.allowedKinds,
        policy.allowedFields,
        policy.maxAmountChangePct,
        policy.maxStageAdvance,
      ],
    );
  }

  async recordTurn(tenantId: string, turn: ConversationTurnRecord): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO ${this.table('crm_conversation_turns')}
         ("turn_id", "tenant_id", "conversation_id", "sequence", "role", "text", "prospect", "received_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT ("turn_id") DO NOTHING`,
      [
        turn.turnId,
        tenantId,
        turn.conversationId,
        turn.sequence,
        turn.role,
        turn.text,
        JSON.stringify(turn.prospect),
        turn.receivedAt,
      ],
    );
  }

  async findTurn(tenantId: string, turnId: string): Promise<ConversationTurnRecord | undefined> {
    const rows: ConversationTurnRecord[] = await this.uow.manager.query(
      `SELECT ${TURN_COLUMNS} FROM ${this.table('crm_conversation_turns')}
       WHERE "tenant_id" = $1 AND "turn_id" = $2`,
      [tenantId, turnId],
    );
    return rows[0];
  }

  /** The conversation's turns, oldest first. */
  async conversationTurns(tenantId: string, conversationId: string): Promise<ConversationTurnRecord[]> {
    return this.uow.manager.query(
      `SELECT ${TURN_COLUMNS} FROM ${this.table('crm_conversation_turns')}
       WHERE "tenant_id" = $1 AND "conversation_id" = $2 ORDER BY "sequence"`,
      [tenantId, conversationId],
    );
  }
}

const TURN_COLUMNS = `"turn_id" AS "turnId", "conversation_id" AS "conversationId", "sequence", "role", "text",
  "prospect", "received_at" AS "receivedAt"`;
