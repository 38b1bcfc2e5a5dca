import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Analysis, DealStage, ModelInfo, NextBestAction, TurnRole } from '@lib/contracts';

@Entity({ name: 'analyses' })
@Index('analyses_tenant_conversation_idx', ['tenantId', 'conversationId'])
// Covering: the sentiment trend reads it alone (migrations 1764000006800, 1764000008400).
@Index('analyses_tenant_completed_sentiment_idx', [
  'tenantId',
  'completedAt',
  'sentimentLabel',
  'sentimentScore',
  'conversationId',
  'role',
])
export class AnalysisEntity {
  /** One analysis per turn: the first stored wins. */
  @PrimaryColumn({ name: 'turn_id', type: 'uuid', primaryKeyConstraintName: 'analyses_pkey' })
  turnId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'intents', type: 'jsonb' })
  intents!: Analysis['intents'];

  @Column({ name: 'sentiment_label', type: 'varchar', length: 16 })
  sentimentLabel!: Analysis['sentiment']['label'];

  @Column({ name: 'sentiment_score', type: 'double precision' })
  sentimentScore!: number;

  @Column({ name: 'entities', type: 'jsonb' })
  entities!: Analysis['entities'];

  @Column({ name: 'objections', type: 'jsonb' })
  objections!: Analysis['objections'];

  @Column({ name: 'buying_signals', type: 'jsonb' })
  buyingSignals!: Analysis['buyingSignals'];

  @Column({ name: 'stage', type: 'varchar', length: 32 })
  stage!: DealStage;

  @Column({ name: 'model', type: 'jsonb' })
  model!: ModelInfo;

  @Column({ name: 'completed_at', type: 'timestamptz' })
  completedAt!: Date;

  /** BANT and MEDDIC fields with evidence and confidence, as analysed at this turn. */
  @Column({ name: 'qualification', type: 'jsonb', nullable: true })
  qualification!: Analysis['qualification'] | null;

  @Column({ name: 'next_best_actions', type: 'jsonb', nullable: true })
  nextBestActions!: NextBestAction[] | null;

  /** The analysed turn's role; null until the turn is stored (the analytics count prospects' turns only). */
  @Column({ name: 'role', type: 'varchar', length: 16, nullable: true })
  role!: TurnRole | null;
}
