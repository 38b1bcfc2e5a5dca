import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type Thumbs = 'up' | 'down';

@Entity({ name: 'feedback' })
@Index('feedback_tenant_conversation_idx', ['tenantId', 'conversationId'])
@Index('feedback_tenant_submitted_idx', ['tenantId', 'submittedAt'])
// Turn feedback joined to the replies by turn (migration 1764000008200).
@Index('feedback_tenant_turn_idx', ['tenantId', 'turnId'])
export class FeedbackEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'feedback_pkey' })
  id!: string;

  @Column({ name: 'turn_id', type: 'uuid' })
  turnId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'thumbs', type: 'varchar', length: 8, nullable: true })
  thumbs!: Thumbs | null;

  @Column({ name: 'rating', type: 'smallint', nullable: true })
  rating!: number | null;

  @Column({ name: 'comment', type: 'text', nullable: true })
  comment!: string | null;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt!: Date;
}
