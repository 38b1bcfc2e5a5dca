import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ConversationEvaluatedData, ConversationMode, DealStage } from '@lib/contracts';

/** One conversation-level evaluation (`conversation.evaluated`): the numbers as columns, for analytics. */
@Entity({ name: 'conversation_evaluations' })
@Index('conversation_evaluations_tenant_conversation_idx', ['tenantId', 'conversationId'])
@Index('conversation_evaluations_tenant_evaluated_idx', ['tenantId', 'evaluatedAt'])
export class ConversationEvaluationEntity {
  @PrimaryColumn({
    name: 'evaluation_id',
    type: 'uuid',
    primaryKeyConstraintName: 'conversation_evaluations_pkey',
  })
  evaluationId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'trigger', type: 'varchar', length: 16 })
  trigger!: ConversationEvaluatedData['trigger'];

  @Column({ name: 'last_turn_id', type: 'uuid', nullable: true })
  lastTurnId!: string | null;

  @Column({ name: 'mode', type: 'varchar', length: 16, nullable: true })
  mode!: ConversationMode | null;

  @Column({ name: 'prospect_turns', type: 'integer' })
  prospectTurns!: number;

  @Column({ name: 'rep_turns', type: 'integer' })
  repTurns!: number;

  @Column({ name: 'first_stage', type: 'varchar', length: 32, nullable: true })
  firstStage!: DealStage | null;

  @Column({ name: 'last_stage', type: 'varchar', length: 32, nullable: true })
  lastStage!: DealStage | null;

  @Column({ name: 'stage_advances', type: 'integer' })
  stageAdvances!: number;

  @Column({ name: 'stage_transitions', type: 'integer' })
  stageTransitions!: number;

  @Column({ name: 'objections_raised', type: 'integer' })
  objectionsRaised!: number;

  @Column({ name: 'objections_handled', type: 'integer' })
  objectionsHandled!: number;

  @Column({ name: 'objections_by_type', type: 'jsonb' })
  objectionsByType!: ConversationEvaluatedData['objections']['byType'];

  @Column({ name: 'talk_ratio', type: 'double precision', nullable: true })
  talkRatio!: number | null;

  @Column({ name: 'replies', type: 'integer' })
  replies!: number;

  @Column({ name: 'groundedness_mean', type: 'double precision', nullable: true })
  groundednessMean!: number | null;

  @Column({ name: 'groundedness_min', type: 'double precision', nullable: true })
  groundednessMin!: number | null;

  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt!: Date;
}
