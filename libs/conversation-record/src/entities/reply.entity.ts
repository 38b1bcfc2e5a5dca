import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import type { Citation, ModelInfo } from '@lib/contracts';

export type ReplyKind = 'reply' | 'suggestion';

@Entity({ name: 'replies' })
@Unique('replies_turn_id_key', ['turnId'])
@Index('replies_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class ReplyEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'replies_pkey' })
  id!: string;

  /** At most one reply per turn: the first stored wins. */
  @Column({ name: 'turn_id', type: 'uuid' })
  turnId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind!: ReplyKind;

  @Column({ name: 'text', type: 'text' })
  text!: string;

  @Column({ name: 'citations', type: 'jsonb' })
  citations!: Citation[];

  @Column({ name: 'model', type: 'jsonb' })
  model!: ModelInfo;

  @Column({ name: 'input_tokens', type: 'integer' })
  inputTokens!: number;

  @Column({ name: 'output_tokens', type: 'integer' })
  outputTokens!: number;

  @Column({ name: 'generated_at', type: 'timestamptz' })
  generatedAt!: Date;
}
