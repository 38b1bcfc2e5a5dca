import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Thumbs } from './feedback.entity';

/** Feedback on a whole conversation (`conversation.feedback.submitted`), migration 1764000008200. */
@Entity({ name: 'conversation_feedback' })
@Index('conversation_feedback_tenant_conversation_idx', ['tenantId', 'conversationId'])
@Index('conversation_feedback_tenant_submitted_idx', ['tenantId', 'submittedAt'])
export class ConversationFeedbackEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'conversation_feedback_pkey' })
  id!: string;

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
