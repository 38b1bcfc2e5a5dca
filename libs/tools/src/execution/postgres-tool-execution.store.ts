import { Injectable } from '@nestjs/common';
import { schemaOf, UnitOfWork } from '@lib/database';
import type { ToolError } from '@lib/contracts';
import { QueryFailedError } from 'typeorm';
import { ToolExecutionError } from '../registry/tool';
import type { ToolExecutionStatus } from './tool-execution.entity';
import {
  ToolExecutionStore,
  type FinishedToolExecution,
  type NewToolExecution,
  type ToolExecutionRecord,
} from './tool-execution.store';

interface ToolExecutionRow {
  id: string;
  tenant_id: string;
  tool: string;
  arguments: unknown;
  status: ToolExecutionStatus;
  result: unknown;
  error: ToolError | null;
  duration_ms: number | null;
  started_at: Date;
  finished_at: Date | null;
}

/** SQLSTATE 57014 (query_canceled): what PostgreSQL raises when statement_timeout fires. */
const isStatementTimeout = (error: unknown): boolean =>
  error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '57014';

const toRecord = (row: ToolExecutionRow): ToolExecutionRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  tool: row.tool,
  arguments: row.arguments,
  status: row.status,
  result: row.result,
  error: row.error,
  durationMs: row.duration_ms,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

/** The `tool_executions` audit table. Joins the unit of work the transport opened for the event. */
@Injectable()
export class PostgresToolExecutionStore extends ToolExecutionStore {
  private readonly table: string;

  constructor(private readonly uow: UnitOfWork) {
    super();
    this.table = `"${schemaOf(uow.dataSource)}"."tool_executions"`;
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.uow.run(() => work());
  }

  async claim(execution: NewToolExecution): Promise<ToolExecutionRecord | undefined> {
    // The primary key serialises concurrent deliveries: a second insert of the same id waits for the first
    // transaction, then conflicts and reads the finished row.
    const inserted: unknown[] = await this.uow.manager.query(
      `INSERT INTO ${this.table} ("id", "tenant_id", "tool", "arguments", "status", "started_at", "conversation_id")
       VALUES ($1, $2, $3, $4, 'running', $5, $6) ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
      [
        execution.id,
        execution.tenantId,
        execution.tool,
        JSON.stringify(execution.arguments),
        execution.startedAt,
        execution.conversationId ?? null,
      ],
    );
    if (inserted.length > 0) return undefined;
    const rows: ToolExecutionRow[] = await this.uow.manager.query(
      `SELECT * FROM ${this.table} WHERE "id" = $1`,
      [execution.id],
    );
    if (!rows[0]) throw new Error(`tool execution ${execution.id} conflicted but cannot be read`);
    return toRecord(rows[0]);
  }

  async finish(id: string, outcome: FinishedToolExecution): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${this.table} SET "status" = $2, "result" = $3, "error" = $4, "duration_ms" = $5, "finished_at" = $6
       WHERE "id" = $1`,
      [
        id,
        outcome.status,
        outcome.status === 'completed' ? JSON.stringify(outcome.result) : null,
        outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
        Math.round(outcome.durationMs),
        outcome.finishedAt,
      ],
    );
  }

  /**
   * A savepoint around the tool's statements, with a local statement timeout: PostgreSQL cancels a query
   * still running when the call times out, and rolling back to the savepoint keeps the transaction usable
   * for the audit row and the outbox entry.
   */
  async isolate<T>(timeoutMs: number, work: () => Promise<T>): Promise<T> {
    if (!this.uow.isActive) return work();
    const manager = this.uow.manager;
    await manager.query('SAVEPOINT tool_call');
    await manager.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(timeoutMs))}`);
    try {
      const result = await work();
      await manager.query('SET LOCAL statement_timeout TO DEFAULT');
      await manager.query('RELEASE SAVEPOINT tool_call');
      return result;
    } catch (error) {
      // Also undoes the SET LOCAL made after the savepoint.
      await manager.query('ROLLBACK TO SAVEPOINT tool_call');
      if (isStatementTimeout(error)) {
        throw new ToolExecutionError('timeout', `a statement did not finish within ${timeoutMs} ms`, true);
      }
      throw error;
    }
  }
}
