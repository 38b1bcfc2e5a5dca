import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import type { TurnRole } from '@lib/contracts';

@Entity({ name: 'turns' })
@Unique('turns_conversation_sequence_key', ['conversationId', 'sequence'])
@Index('turns_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class TurnEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'turns_pkey' })
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'sequence', type: 'integer' })
  sequence!: number;

  @Column({ name: 'role', type: 'varchar', length: 16 })
  role!: TurnRole;

  /** Raw text: this is the restricted system of record, never logged. */
  @Column({ name: 'text', type: 'text' })
  text!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
