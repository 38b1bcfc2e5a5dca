import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import type { Citation, ModelInfo } from '@lib/contracts';
import { numericToNumber } from './columns';

export type ReplyKind = 'reply' | 'suggestion';

@Entity({ name: 'replies' })
@Unique('replies_turn_id_key', ['turnId'])
@Index('replies_tenant_conversation_idx', ['tenantId', 'conversationId'])
// Covering: the rep table counts suggestions from it alone (migration 1764000006800).
@Index('replies_tenant_generated_kind_idx', ['tenantId', 'generatedAt', 'kind', 'conversationId'])
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

  /** `model.promptVersion` as a column: satisfaction and quality are compared per prompt version. */
  @Column({ name: 'prompt_version', type: 'varchar', length: 64, nullable: true })
  promptVersion!: string | null;

  @Column({ name: 'input_tokens', type: 'integer' })
  inputTokens!: number;

  @Column({ name: 'output_tokens', type: 'integer' })
  outputTokens!: number;

  /** Input tokens read from the prompt cache; null when the producer did not report them. */
  @Column({ name: 'cache_read_tokens', type: 'integer', nullable: true })
  cacheReadTokens!: number | null;

  /** Input tokens written to the prompt cache; null when the producer did not report them. */
  @Column({ name: 'cache_write_tokens', type: 'integer', nullable: true })
  cacheWriteTokens!: number | null;

  /** Cost of every model call of the turn, in US dollars. */
  @Column({
    name: 'cost_usd',
    type: 'numeric',
    precision: 12,
    scale: 6,
    nullable: true,
    transformer: numericToNumber,
  })
  costUsd!: number | null;

  @Column({ name: 'model_calls', type: 'integer', nullable: true })
  modelCalls!: number | null;

  /** From the turn's receipt to the reply (`generatedAt - timing.turnReceivedAt`). */
  @Column({ name: 'latency_ms', type: 'integer', nullable: true })
  latencyMs!: number | null;

  @Column({ name: 'generated_at', type: 'timestamptz' })
  generatedAt!: Date;
}
