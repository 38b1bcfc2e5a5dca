import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'turn_failures' })
@Index('turn_failures_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class TurnFailureEntity {
  @PrimaryColumn({ name: 'turn_id', type: 'uuid', primaryKeyConstraintName: 'turn_failures_pkey' })
  turnId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'code', type: 'text' })
  code!: string;

  @Column({ name: 'message', type: 'text' })
  message!: string;

  @Column({ name: 'failed_at', type: 'timestamptz' })
  failedAt!: Date;
}
