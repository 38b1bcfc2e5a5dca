import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ToolError } from '@lib/contracts';

export type ToolExecutionStatus = 'running' | 'completed' | 'failed';

/** One tool call, as audited (table created by CreateToolExecutions1764000200000). Id = the toolCallId. */
@Entity({ name: 'tool_executions' })
export class ToolExecutionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  /** The conversation of the call (null for executions recorded before it was kept). */
  @Column({ name: 'conversation_id', type: 'uuid', nullable: true }) conversationId!: string | null;
  @Column({ type: 'varchar', length: 64 }) tool!: string;
  @Column({ type: 'jsonb' }) arguments!: unknown;
  @Column({ type: 'varchar', length: 16 }) status!: ToolExecutionStatus;
  @Column({ type: 'jsonb', nullable: true }) result!: unknown;
  @Column({ type: 'jsonb', nullable: true }) error!: ToolError | null;
  @Column({ name: 'duration_ms', type: 'integer', nullable: true }) durationMs!: number | null;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
