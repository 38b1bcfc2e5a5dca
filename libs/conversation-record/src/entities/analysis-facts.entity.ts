import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { DealStage, TurnRole } from '@lib/contracts';
import { numericToNumber } from './columns';

/**
 * An analysis' intents, typed entities and objections as rows, and the conversation's stage transitions:
 * what the analytics API groups and counts. Written with the analysis (same transaction), keyed so a
 * redelivered analysis changes nothing; `occurred_at` is the analysis' completion time.
 */
@Entity({ name: 'analysis_intents' })
// Covering: intent frequencies read it alone (migrations 1764000006800, 1764000008400).
@Index('analysis_intents_tenant_occurred_intent_idx', [
  'tenantId',
  'occurredAt',
  'intent',
  'conversationId',
  'role',
])
@Index('analysis_intents_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class AnalysisIntentEntity {
  @PrimaryColumn({ name: 'turn_id', type: 'uuid', primaryKeyConstraintName: 'analysis_intents_pkey' })
  turnId!: string;

  @PrimaryColumn({
    name: 'intent',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'analysis_intents_pkey',
  })
  intent!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'confidence', type: 'double precision' })
  confidence!: number;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** The analysed turn's role; null until the turn is stored (the analytics count prospects' turns only). */
  @Column({ name: 'role', type: 'varchar', length: 16, nullable: true })
  role!: TurnRole | null;
}

@Entity({ name: 'analysis_entities' })
@Index('analysis_entities_tenant_type_idx', ['tenantId', 'type', 'occurredAt'])
@Index('analysis_entities_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class AnalysisEntityMentionEntity {
  @PrimaryColumn({ name: 'turn_id', type: 'uuid', primaryKeyConstraintName: 'analysis_entities_pkey' })
  turnId!: string;

  /** Position in the analysis' entity list. */
  @PrimaryColumn({ name: 'ordinal', type: 'smallint', primaryKeyConstraintName: 'analysis_entities_pkey' })
  ordinal!: number;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  /** person, company, product, budget, timeline, competitor, email, phone, seats. */
  @Column({ name: 'type', type: 'varchar', length: 16 })
  type!: string;

  @Column({ name: 'text', type: 'text' })
  text!: string;

  @Column({ name: 'value', type: 'text', nullable: true })
  value!: string | null;

  /** Budgets: the amount and ISO currency parsed from the normalised value ("50000 USD"). */
  @Column({
    name: 'amount',
    type: 'numeric',
    precision: 18,
    scale: 2,
    nullable: true,
    transformer: numericToNumber,
  })
  amount!: number | null;

  @Column({ name: 'currency', type: 'varchar', length: 3, nullable: true })
  currency!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** The analysed turn's role; null until the turn is stored (the analytics count prospects' turns only). */
  @Column({ name: 'role', type: 'varchar', length: 16, nullable: true })
  role!: TurnRole | null;
}

@Entity({ name: 'analysis_objections' })
@Index('analysis_objections_tenant_occurred_idx', ['tenantId', 'occurredAt'])
@Index('analysis_objections_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class AnalysisObjectionEntity {
  @PrimaryColumn({ name: 'turn_id', type: 'uuid', primaryKeyConstraintName: 'analysis_objections_pkey' })
  turnId!: string;

  @PrimaryColumn({ name: 'ordinal', type: 'smallint', primaryKeyConstraintName: 'analysis_objections_pkey' })
  ordinal!: number;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  /** price, timing, competitor, authority, need, trust, other. */
  @Column({ name: 'type', type: 'varchar', length: 16 })
  type!: string;

  @Column({ name: 'evidence', type: 'text' })
  evidence!: string;

  /** Recomputed for the conversation whenever one of its analyses or turns is stored. */
  @Column({ name: 'handled', type: 'boolean', default: false })
  handled!: boolean;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** The analysed turn's role; null until the turn is stored (the analytics count prospects' turns only). */
  @Column({ name: 'role', type: 'varchar', length: 16, nullable: true })
  role!: TurnRole | null;
}

/** The prospect's progress through the funnel: each change of deal stage, with the turn that caused it. */
@Entity({ name: 'stage_transitions' })
// Covering: the funnel and the rep table read it alone (migration 1764000006800).
@Index('stage_transitions_tenant_occurred_stages_idx', [
  'tenantId',
  'occurredAt',
  'conversationId',
  'fromStage',
  'toStage',
])
export class StageTransitionEntity {
  @PrimaryColumn({
    name: 'conversation_id',
    type: 'uuid',
    primaryKeyConstraintName: 'stage_transitions_pkey',
  })
  conversationId!: string;

  @PrimaryColumn({ name: 'turn_id', type: 'uuid', primaryKeyConstraintName: 'stage_transitions_pkey' })
  turnId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  /** The causing turn's sequence (null while the turn itself is not stored yet). */
  @Column({ name: 'sequence', type: 'integer', nullable: true })
  sequence!: number | null;

  /** null for the conversation's first known stage. */
  @Column({ name: 'from_stage', type: 'varchar', length: 32, nullable: true })
  fromStage!: DealStage | null;

  @Column({ name: 'to_stage', type: 'varchar', length: 32 })
  toStage!: DealStage;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
