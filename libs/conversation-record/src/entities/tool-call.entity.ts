import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ToolError } from '@lib/contracts';

export type ToolCallStatus = 'requested' | 'completed' | 'failed';

/**
 * A tool call, keyed by its deterministic `toolCallId`. The request and its outcome travel as separate
 * events that may arrive in either order, so the request columns and the outcome columns are nullable.
 */
@Entity({ name: 'tool_calls' })
@Index('tool_calls_tenant_conversation_idx', ['tenantId', 'conversationId'])
export class ToolCallEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'tool_calls_pkey' })
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'turn_id', type: 'uuid' })
  turnId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'tool', type: 'varchar', length: 64 })
  tool!: string;

  @Column({ name: 'arguments', type: 'jsonb', nullable: true })
  arguments!: Record<string, unknown> | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: ToolCallStatus;

  @Column({ name: 'result', type: 'jsonb', nullable: true })
  result!: unknown;

  @Column({ name: 'error', type: 'jsonb', nullable: true })
  error!: ToolError | null;

  @Column({ name: 'duration_ms', type: 'double precision', nullable: true })
  durationMs!: number | null;

  @Column({ name: 'requested_at', type: 'timestamptz', nullable: true })
  requestedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
