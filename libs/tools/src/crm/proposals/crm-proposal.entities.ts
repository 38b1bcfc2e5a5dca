import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ProspectRef } from '@lib/contracts';

/**
 * TypeORM mappings of the tables created by CreateCrmProposals1764000210000. Repositories query them with
 * SQL; these classes document the columns and tell TypeORM the tables belong to the service.
 */
@Entity({ name: 'crm_deal_stage_history' })
export class CrmDealStageHistoryEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ name: 'deal_id', type: 'uuid' }) dealId!: string;
  @Column({ name: 'from_stage', type: 'varchar', length: 32, nullable: true }) fromStage!: string | null;
  @Column({ name: 'to_stage', type: 'varchar', length: 32 }) toStage!: string;
  @Column({ name: 'proposal_id', type: 'uuid', nullable: true }) proposalId!: string | null;
  @Column({ name: 'changed_at', type: 'timestamptz' }) changedAt!: Date;
}

@Entity({ name: 'crm_tasks' })
export class CrmTaskEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'contact_id', type: 'uuid', nullable: true }) contactId!: string | null;
  @Column({ name: 'deal_id', type: 'uuid', nullable: true }) dealId!: string | null;
  @Column({ type: 'varchar', length: 300 }) subject!: string;
  @Column({ name: 'due_date', type: 'date', nullable: true }) dueDate!: string | null;
  @Column({ type: 'varchar', length: 16 }) status!: 'open' | 'done';
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'crm_change_proposals' })
export class CrmChangeProposalEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  /** Null once the conversation was deleted (a decided proposal stays as the audit of the CRM change). */
  @Column({ name: 'conversation_id', type: 'uuid', nullable: true }) conversationId!: string | null;
  @Column({ name: 'turn_id', type: 'uuid', nullable: true }) turnId!: string | null;
  @Column({ type: 'varchar', length: 16 }) entity!: string;
  @Column({ name: 'entity_id', type: 'uuid' }) entityId!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: string;
  @Column({ type: 'jsonb' }) diff!: unknown;
  @Column({ type: 'text' }) evidence!: string;
  @Column({ name: 'evidence_origin', type: 'varchar', length: 16 }) evidenceOrigin!: string;
  @Column({ type: 'varchar', length: 16 }) source!: string;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ name: 'decided_by', type: 'varchar', length: 200, nullable: true }) decidedBy!: string | null;
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true }) decidedAt!: Date | null;
  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true }) appliedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'crm_audit_log' })
export class CrmAuditLogEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ name: 'proposal_id', type: 'uuid' }) proposalId!: string;
  @Column({ type: 'varchar', length: 16 }) action!: string;
  @Column({ type: 'varchar', length: 200 }) actor!: string;
  @Column({ type: 'jsonb', nullable: true }) details!: unknown;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
}

@Entity({ name: 'crm_auto_approve_policies' })
export class CrmAutoApprovePolicyEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ type: 'boolean' }) enabled!: boolean;
  @Column({ name: 'allowed_kinds', type: 'text', array: true }) allowedKinds!: string[];
  @Column({ name: 'allowed_fields', type: 'text', array: true }) allowedFields!: string[];
  @Column({ name: 'max_amount_change_pct', type: 'numeric', precision: 6, scale: 2, nullable: true })
  maxAmountChangePct!: string | null;
  @Column({ name: 'max_stage_advance', type: 'integer', nullable: true }) maxStageAdvance!: number | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** Turns of conversations, kept by the tool-runner to verify evidence quotes and know the prospect. */
@Entity({ name: 'crm_conversation_turns' })
export class CrmConversationTurnEntity {
  @PrimaryColumn({ name: 'turn_id', type: 'uuid' }) turnId!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ name: 'conversation_id', type: 'uuid' }) conversationId!: string;
  @Column({ type: 'integer' }) sequence!: number;
  @Column({ type: 'varchar', length: 16 }) role!: string;
  @Column({ type: 'text' }) text!: string;
  @Column({ type: 'jsonb' }) prospect!: ProspectRef;
  @Column({ name: 'received_at', type: 'timestamptz' }) receivedAt!: Date;
}

export const CRM_PROPOSAL_ENTITIES = [
  CrmDealStageHistoryEntity,
  CrmTaskEntity,
  CrmChangeProposalEntity,
  CrmAuditLogEntity,
  CrmAutoApprovePolicyEntity,
  CrmConversationTurnEntity,
];
