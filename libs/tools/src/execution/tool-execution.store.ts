import type { ToolError } from '@lib/contracts';
import type { ToolExecutionStatus } from './tool-execution.entity';

export interface ToolExecutionRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly tool: string;
  readonly arguments: unknown;
  readonly status: ToolExecutionStatus;
  readonly result: unknown;
  readonly error: ToolError | null;
  readonly durationMs: number | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

export interface NewToolExecution {
  readonly id: string;
  readonly tenantId: string;
  /** Kept so the execution is deleted with its conversation. */
  readonly conversationId?: string;
  readonly tool: string;
  readonly arguments: unknown;
  readonly startedAt: Date;
}

export type FinishedToolExecution =
  | {
      readonly status: 'completed';
      readonly result: unknown;
      readonly durationMs: number;
      readonly finishedAt: Date;
    }
  | {
      readonly status: 'failed';
      readonly error: ToolError;
      readonly durationMs: number;
      readonly finishedAt: Date;
    };

/** Where tool executions are recorded. The PostgreSQL implementation is the audit table. */
export abstract class ToolExecutionStore {
  /** Runs `work` in one transaction (joining the active unit of work, if any). */
  abstract transaction<T>(work: () => Promise<T>): Promise<T>;

  /**
   * Records a new execution as `running`, unless one with this id exists: then returns the existing one
   * (after waiting for a concurrent transaction holding the same id to finish).
   */
  abstract claim(execution: NewToolExecution): Promise<ToolExecutionRecord | undefined>;

  abstract finish(id: string, outcome: FinishedToolExecution): Promise<void>;

  /**
   * Runs a tool's own work so that its failure (or a timeout) does not spoil the surrounding transaction,
   * and database statements it starts cannot outlive `timeoutMs`.
   */
  abstract isolate<T>(timeoutMs: number, work: () => Promise<T>): Promise<T>;
}
