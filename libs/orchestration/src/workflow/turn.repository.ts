import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ToolError, TurnReceivedData, TurnRole } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import type { HistoryTurn } from '../model/language-model';
import type { ToolOutcome } from '../model/tool-outcomes';

export type TurnStatus = 'pending_tools' | 'completed' | 'failed';
export type ToolCallStatus = 'requested' | 'completed' | 'failed';

/** What the orchestrator keeps of a turn: the event's data, and how its processing went. */
export const StoredTurnContext = z.object({
  turn: TurnReceivedData,
  receivedEventId: z.string(),
  outcome: z
    .object({
      replyId: z.string().optional(),
      toolsMs: z.number().optional(),
      generationMs: z.number().optional(),
      failure: z.object({ code: z.string(), message: z.string() }).optional(),
    })
    .optional(),
});
export type StoredTurnContext = z.infer<typeof StoredTurnContext>;

export interface TurnRecord {
  readonly turnId: string;
  readonly conversationId: string;
  readonly tenantId: string;
  readonly sequence: number;
  readonly role: TurnRole;
  readonly status: TurnStatus;
  readonly context: StoredTurnContext;
  readonly startedAt: Date;
  readonly finishedAt?: Date;
}

export interface ToolCallRecord {
  readonly id: string;
  readonly turnId: string;
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
  readonly status: ToolCallStatus;
  readonly result?: unknown;
  readonly error?: ToolError;
  readonly requestedAt: Date;
  readonly finishedAt?: Date;
}

const TurnRow = z.object({
  turn_id: z.string(),
  conversation_id: z.string(),
  tenant_id: z.string(),
  sequence: z.number(),
  role: TurnRole,
  status: z.enum(['pending_tools', 'completed', 'failed']),
  context: z.unknown(),
  started_at: z.date(),
  finished_at: z.date().nullable(),
});

const ToolCallRow = z.object({
  id: z.string(),
  turn_id: z.string(),
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  status: z.enum(['requested', 'completed', 'failed']),
  result: z.unknown(),
  error: ToolError.nullable(),
  requested_at: z.date(),
  finished_at: z.date().nullable(),
});

function toTurn(row: unknown): TurnRecord {
  const r = TurnRow.parse(row);
  return {
    turnId: r.turn_id,
    conversationId: r.conversation_id,
    tenantId: r.tenant_id,
    sequence: r.sequence,
    role: r.role,
    status: r.status,
    context: StoredTurnContext.parse(r.context),
    startedAt: r.started_at,
    finishedAt: r.finished_at ?? undefined,
  };
}

function toToolCall(row: unknown): ToolCallRecord {
  const r = ToolCallRow.parse(row);
  return {
    id: r.id,
    turnId: r.turn_id,
    tool: r.tool,
    arguments: r.arguments,
    status: r.status,
    result: r.result ?? undefined,
    error: r.error ?? undefined,
    requestedAt: r.requested_at,
    finishedAt: r.finished_at ?? undefined,
  };
}

/** A tool call's outcome as recorded: what the language model is given. */
export function toolOutcomeOf(call: ToolCallRecord): ToolOutcome | undefined {
  if (call.status === 'completed') {
    return { toolCallId: call.id, tool: call.tool, status: 'completed', result: call.result };
  }
  if (call.status === 'failed' && call.error) {
    return { toolCallId: call.id, tool: call.tool, status: 'failed', error: call.error };
  }
  return undefined;
}

const TURNS = '"orchestrator"."turns"';
const TOOL_CALLS = '"orchestrator"."tool_calls"';

/** SQL of the turn workflow. Every method joins the active unit of work (the handler's transaction). */
@Injectable()
export class TurnRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Runs `work` in one transaction (joining the handler's unit of work when there is one). */
  inTransaction<T>(work: () => Promise<T>): Promise<T> {
    return this.uow.run(() => work());
  }

  /** Stores a new turn; false when it is already stored (the same turn delivered again). */
  async insertTurn(turn: Omit<TurnRecord, 'finishedAt'> & { finishedAt?: Date }): Promise<boolean> {
    const rows: unknown[] = await this.uow.manager.query(
      `INSERT INTO ${TURNS} ("turn_id", "conversation_id", "tenant_id", "sequence", "role", "status", "context",
         "started_at", "finished_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT ("turn_id") DO NOTHING RETURNING "turn_id"`,
      [
        turn.turnId,
        turn.conversationId,
        turn.tenantId,
        turn.sequence,
        turn.role,
        turn.status,
        JSON.stringify(turn.context),
        turn.startedAt,
        turn.finishedAt ?? null,
      ],
    );
    return rows.length > 0;
  }

  async insertToolCalls(
    calls: readonly {
      id: string;
      turnId: string;
      tool: string;
      arguments: Record<string, unknown>;
      requestedAt: Date;
    }[],
  ): Promise<void> {
    for (const call of calls) {
      await this.uow.manager.query(
        `INSERT INTO ${TOOL_CALLS} ("id", "turn_id", "tool", "arguments", "status", "requested_at")
         VALUES ($1, $2, $3, $4, 'requested', $5) ON CONFLICT ("id") DO NOTHING`,
        [call.id, call.turnId, call.tool, JSON.stringify(call.arguments), call.requestedAt],
      );
    }
  }

  /**
   * The turn, row-locked until the transaction ends: two tool results of one turn handled at the same time
   * are serialised here, so only one of them sees every outcome and generates the reply.
   */
  async lockTurn(turnId: string): Promise<TurnRecord | undefined> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT * FROM ${TURNS} WHERE "turn_id" = $1 FOR UPDATE`,
      [turnId],
    );
    return rows.length > 0 ? toTurn(rows[0]) : undefined;
  }

  async findTurn(turnId: string): Promise<TurnRecord | undefined> {
    const rows: unknown[] = await this.uow.manager.query(`SELECT * FROM ${TURNS} WHERE "turn_id" = $1`, [
      turnId,
    ]);
    return rows.length > 0 ? toTurn(rows[0]) : undefined;
  }

  /** Records a tool call's outcome once; false for an unknown call or one that already has an outcome. */
  async recordToolOutcome(
    toolCallId: string,
    turnId: string,
    outcome: { status: 'completed'; result: unknown } | { status: 'failed'; error: ToolError },
    finishedAt: Date,
  ): Promise<boolean> {
    const rows: unknown[] = await this.uow.manager.query(
      `UPDATE ${TOOL_CALLS} SET "status" = $3, "result" = $4, "error" = $5, "finished_at" = $6
       WHERE "id" = $1 AND "turn_id" = $2 AND "status" = 'requested' RETURNING "id"`,
      [
        toolCallId,
        turnId,
        outcome.status,
        outcome.status === 'completed' ? JSON.stringify(outcome.result ?? null) : null,
        outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
        finishedAt,
      ],
    );
    // UPDATE ... RETURNING through TypeORM's query yields [rows, affectedCount] on postgres.
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return returned.length > 0;
  }

  /** Marks every tool call still waiting as failed (e.g. timed out); returns how many. */
  async failPendingToolCalls(turnId: string, error: ToolError, finishedAt: Date): Promise<number> {
    const rows: unknown[] = await this.uow.manager.query(
      `UPDATE ${TOOL_CALLS} SET "status" = 'failed', "error" = $2, "finished_at" = $3
       WHERE "turn_id" = $1 AND "status" = 'requested' RETURNING "id"`,
      [turnId, JSON.stringify(error), finishedAt],
    );
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return returned.length;
  }

  async toolCalls(turnId: string): Promise<ToolCallRecord[]> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT * FROM ${TOOL_CALLS} WHERE "turn_id" = $1 ORDER BY "tool", "id"`,
      [turnId],
    );
    return rows.map(toToolCall);
  }

  /** The latest `limit` turns of the conversation before `sequence`, oldest first. */
  async history(conversationId: string, beforeSequence: number, limit: number): Promise<HistoryTurn[]> {
    if (limit <= 0) return [];
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT "sequence", "role", "context" #>> '{turn,text}' AS "text" FROM ${TURNS}
       WHERE "conversation_id" = $1 AND "sequence" < $2 ORDER BY "sequence" DESC LIMIT $3`,
      [conversationId, beforeSequence, limit],
    );
    const Row = z.object({ sequence: z.number(), role: TurnRole, text: z.string() });
    return rows.map((r) => Row.parse(r)).reverse();
  }

  async finishTurn(
    turnId: string,
    status: 'completed' | 'failed',
    outcome: NonNullable<StoredTurnContext['outcome']>,
    finishedAt: Date,
  ): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${TURNS} SET "status" = $2, "finished_at" = $3,
         "context" = jsonb_set("context", '{outcome}', $4::jsonb, true)
       WHERE "turn_id" = $1`,
      [turnId, status, finishedAt, JSON.stringify(outcome)],
    );
  }

  /** Turns still waiting for tools that started before `cutoff`, oldest first. */
  async overdueTurnIds(cutoff: Date, limit: number): Promise<string[]> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT "turn_id" FROM ${TURNS} WHERE "status" = 'pending_tools' AND "started_at" < $1
       ORDER BY "started_at" LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((r) => z.object({ turn_id: z.string() }).parse(r).turn_id);
  }
}
