import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ConversationEndReason, ConversationMode, DealStage, ProspectRef } from '@lib/contracts';

/** `pending`: only derived events were seen so far (a stub); `active`: `conversation.started` is stored. */
export type ConversationStatus = 'pending' | 'active';

@Entity({ name: 'conversations' })
@Index('conversations_tenant_started_idx', ['tenantId', 'startedAt', 'id'])
@Index('conversations_tenant_rep_started_idx', ['tenantId', 'repId', 'startedAt'])
@Index('conversations_tenant_stage_idx', ['tenantId', 'stage'])
export class ConversationEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'conversations_pkey' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: ConversationStatus;

  @Column({ name: 'mode', type: 'varchar', length: 16, nullable: true })
  mode!: ConversationMode | null;

  @Column({ name: 'prospect', type: 'jsonb', nullable: true })
  prospect!: ProspectRef | null;

  @Column({ name: 'rep_id', type: 'varchar', length: 128, nullable: true })
  repId!: string | null;

  @Column({ name: 'title', type: 'varchar', length: 200, nullable: true })
  title!: string | null;

  /** The deal stage of the latest analysed turn. */
  @Column({ name: 'stage', type: 'varchar', length: 32, nullable: true })
  stage!: DealStage | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'turn_count', type: 'integer', default: 0 })
  turnCount!: number;

  /** CRM references: the contact from the prospect ref; account and deal once a CRM lookup or change names them. */
  @Column({ name: 'crm_contact_id', type: 'varchar', length: 128, nullable: true })
  crmContactId!: string | null;

  @Column({ name: 'crm_account_id', type: 'varchar', length: 128, nullable: true })
  crmAccountId!: string | null;

  @Column({ name: 'crm_deal_id', type: 'varchar', length: 128, nullable: true })
  crmDealId!: string | null;

  /** When `conversation.ended` was stored (null: not ended); `status` keeps its own meaning. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt?: Date | null;

  @Column({ name: 'end_reason', type: 'varchar', length: 16, nullable: true })
  endReason?: ConversationEndReason | null;
}
