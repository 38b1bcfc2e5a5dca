import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EvaluationCompletedData, JudgeResult, ModelInfo, PolicyFlag } from '@lib/contracts';
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

  /** Relevance to the prospect's message (also in `scores`); null when not measured. */
  @Column({ name: 'relevance', type: 'numeric', nullable: true, transformer: numericToNumber })
  relevance!: number | null;

  /** The policy flags (kind, severity, evidence); null when the evaluator did not run the checks. */
  @Column({ name: 'policy_flags', type: 'jsonb', nullable: true })
  policyFlags!: PolicyFlag[] | null;

  /** LLM-as-judge verdict, or its error; null when no judge is configured. */
  @Column({ name: 'judge', type: 'jsonb', nullable: true })
  judge!: JudgeResult | null;

  @Column({ name: 'model', type: 'jsonb', nullable: true })
  model!: ModelInfo | null;

  @Column({ name: 'input_tokens', type: 'integer', nullable: true })
  inputTokens!: number | null;

  @Column({ name: 'output_tokens', type: 'integer', nullable: true })
  outputTokens!: number | null;

  /** Cost of the turn's model calls, in US dollars. */
  @Column({
    name: 'cost_usd',
    type: 'numeric',
    precision: 12,
    scale: 6,
    nullable: true,
    transformer: numericToNumber,
  })
  costUsd!: number | null;
}
