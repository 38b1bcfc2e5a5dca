import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EvaluationCompletedData } from '@lib/contracts';
import { numericToNumber } from './columns';

@Entity({ name: 'evaluations' })
@Index('evaluations_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class EvaluationEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'evaluations_pkey' })
  id!: string;

  @Column({ name: 'reply_id', type: 'uuid' })
  replyId!: string;

  @Column({ name: 'turn_id', type: 'uuid' })
  turnId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'scores', type: 'jsonb' })
  scores!: EvaluationCompletedData['scores'];

  /** Also inside `scores`; a column of its own so quality can be aggregated in SQL. */
  @Column({ name: 'groundedness', type: 'numeric', transformer: numericToNumber })
  groundedness!: number;

  @Column({ name: 'latency', type: 'jsonb' })
  latency!: EvaluationCompletedData['latency'];

  @Column({ name: 'prompt_version', type: 'text' })
  promptVersion!: string;

  @Column({ name: 'evaluator', type: 'jsonb' })
  evaluator!: EvaluationCompletedData['evaluator'];

  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt!: Date;
}
