import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A CRM change proposed in a conversation, and its fate (from the `crm.change.*` events). */
@Entity({ name: 'crm_changes' })
@Index('crm_changes_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class CrmChangeEntity {
  @PrimaryColumn({ name: 'proposal_id', type: 'uuid', primaryKeyConstraintName: 'crm_changes_pkey' })
  proposalId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'turn_id', type: 'uuid', nullable: true })
  turnId!: string | null;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'entity', type: 'varchar', length: 16 })
  entity!: string;

  @Column({ name: 'entity_id', type: 'uuid' })
  entityId!: string;

  @Column({ name: 'kind', type: 'varchar', length: 32 })
  kind!: string;

  @Column({ name: 'diff', type: 'jsonb' })
  diff!: Record<string, { from: unknown; to: unknown }>;

  /** Null when the outcome arrived before the proposal (never on one partition, but not assumed). */
  @Column({ name: 'evidence', type: 'text', nullable: true })
  evidence!: string | null;

  @Column({ name: 'evidence_origin', type: 'varchar', length: 16, nullable: true })
  evidenceOrigin!: string | null;

  @Column({ name: 'source', type: 'varchar', length: 16, nullable: true })
  source!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: string;

  @Column({ name: 'decided_by', type: 'varchar', length: 200, nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'proposed_at', type: 'timestamptz', nullable: true })
  proposedAt!: Date | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true })
  appliedAt!: Date | null;
}
