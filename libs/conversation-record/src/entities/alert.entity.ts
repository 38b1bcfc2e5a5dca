import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type AlertSeverity = 'info' | 'warning' | 'critical';

@Entity({ name: 'alerts' })
@Index('alerts_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class AlertEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'alerts_pkey' })
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'turn_id', type: 'uuid', nullable: true })
  turnId!: string | null;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'severity', type: 'varchar', length: 16 })
  severity!: AlertSeverity;

  @Column({ name: 'kind', type: 'text' })
  kind!: string;

  @Column({ name: 'message', type: 'text' })
  message!: string;

  @Column({ name: 'evidence', type: 'jsonb' })
  evidence!: Record<string, unknown>;

  @Column({ name: 'raised_at', type: 'timestamptz' })
  raisedAt!: Date;
}
