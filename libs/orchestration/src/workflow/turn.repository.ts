import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ToolError, TurnReceivedData, TurnRole } from '@lib/contracts';
import { ConversationLock, UnitOfWork } from '@lib/database';
import { ORCHESTRATOR_SCHEMA } from './orchestrator-database';
import type { ConversationSummary, HistoryTurn } from '../model/language-model';
import type { ToolOutcome } from '../model/tool-outcomes';

/**
 * `queued`: waits for the conversation's running turn (double-texting); `running`: a model step is being
 * taken (only inside a transaction); `pending_tools`: waits for the current round's tool results.
 */
export type TurnStatus = 'queued' | 'running' | 'pending_tools' | 'completed' | 'failed';
export type ToolCallStatus = 'requested' | 'completed' | 'failed';

/** What the orchestrator keeps of a turn: the event's data, and how its processing ended. */
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

/** Usage and timing summed over the steps taken so far, and how many reply deltas were streamed. */
export const TurnProgress = z.object({
  inputTokens: z.number().default(0),
  outputTokens: z.number().default(0),
  cacheReadTokens: z.number().default(0),
  cacheWriteTokens: z.number().default(0),
  costUsd: z.number().default(0),
  modelCalls: z.number().default(0),
  generationMs: z.number().default(0),
  toolsMs: z.number().default(0),
  deltaCount: z.number().default(0),
});
export type TurnProgress = z.infer<typeof TurnProgress>;
export const NO_PROGRESS: TurnProgress = TurnProgress.parse({});

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
  /** The step the turn is at: the round of tool calls being waited for, or the next model call. */
  readonly step: number;
  readonly progress: TurnProgress;
  readonly roundStartedAt?: Date;
  readonly replyText?: string;
}

export interface ToolCallRecord {
  readonly id: string;
  readonly turnId: string;
  readonly step: number;
  readonly callIndex: number;
  readonly providerCallId?: string;
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
  readonly status: ToolCallStatus;
  readonly result?: unknown;
  readonly error?: ToolError;
  readonly requestedAt: Date;
  readonly finishedAt?: Date;
}

/** One stored round of tool calls: the provider's assistant message and each call, in the model's order. */
export interface RoundRecord {
  readonly step: number;
  readonly assistantContent?: unknown;
  readonly requestedAt: Date;
  readonly calls: readonly ToolCallRecord[];
}

export interface NewToolCall {
  readonly id: string;
  readonly callIndex: number;
  readonly providerCallId: string;
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
  /** A call failed before it was requested (e.g. a name no tool can have). */
  readonly failed?: ToolError;
}

const STATUSES = ['queued', 'running', 'pending_tools', 'completed', 'failed'] as const;

const TurnRow = z.object({
  turn_id: z.string(),
  conversation_id: z.string(),
  tenant_id: z.string(),
  sequence: z.number(),
  role: TurnRole,
  status: z.enum(STATUSES),
  context: z.unknown(),
  started_at: z.date(),
  finished_at: z.date().nullable(),
  step: z.number(),
  progress: z.unknown(),
  round_started_at: z.date().nullable(),
  reply_text: z.string().nullable(),
});

const ToolCallRow = z.object({
  id: z.string(),
  turn_id: z.string(),
  step: z.number(),
  call_index: z.number(),
  provider_call_id: z.string().nullable(),
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
    step: r.step,
    progress: TurnProgress.parse(r.progress ?? {}),
    roundStartedAt: r.round_started_at ?? undefined,
    replyText: r.reply_text ?? undefined,
  };
}

function toToolCall(row: unknown): ToolCallRecord {
  const r = ToolCallRow.parse(row);
  return {
    id: r.id,
    turnId: r.turn_id,
    step: r.step,
    callIndex: r.call_index,
    providerCallId: r.provider_call_id ?? undefined,
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

/** TypeORM's query on postgres yields `[rows, affectedCount]` for UPDATE ... RETURNING. */
function returnedRows(result: unknown[]): unknown[] {
  return Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
}

const TURNS = '"orchestrator"."turns"';
const TOOL_CALLS = '"orchestrator"."tool_calls"';
const ROUNDS = '"orchestrator"."turn_rounds"';
const SUMMARIES = '"orchestrator"."conversation_summaries"';
/** The orchestrator's lock on a conversation (first key 0x0c4a7) and its tombstones. */
export const ORCHESTRATOR_CONVERSATION_LOCK = new ConversationLock(ORCHESTRATOR_SCHEMA, 0x0c4a7);

/** SQL of the turn workflow. Every method joins the active unit of work (the handler's transaction). */
@Injectable()
export class TurnRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Runs `work` in one transaction (joining the handler's unit of work when there is one). */
  inTransaction<T>(work: () => Promise<T>): Promise<T> {
    return this.uow.run(() => work());
  }

  /**
   * Serialises the orchestrator's work on one conversation until the transaction ends (an advisory lock:
   * a new turn and the completion of the running one may arrive on different topics at the same time, and
   * the queue must not lose a turn between them). Always taken before any turn row lock.
   */
  lockConversation(conversationId: string): Promise<void> {
    return ORCHESTRATOR_CONVERSATION_LOCK.lock(this.uow.manager, conversationId);
  }

  /** Whether the conversation was deleted (`conversation.deleted`): its late turns are not processed. */
  isConversationDeleted(conversationId: string): Promise<boolean> {
    return ORCHESTRATOR_CONVERSATION_LOCK.isDeleted(this.uow.manager, conversationId);
  }

  /** Stores a new turn; false when it is already stored (the same turn delivered again). */
  async insertTurn(turn: {
    turnId: string;
    conversationId: string;
    tenantId: string;
    sequence: number;
    role: TurnRole;
    status: TurnStatus;
    context: StoredTurnContext;
    startedAt: Date;
  }): Promise<boolean> {
    const rows: unknown[] = await this.uow.manager.query(
      `INSERT INTO ${TURNS} ("turn_id", "conversation_id", "tenant_id", "sequence", "role", "status", "context",
         "started_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT ("turn_id") DO NOTHING RETURNING "turn_id"`,
      [
        turn.turnId,
        turn.conversationId,
        turn.tenantId,
        turn.sequence,
        turn.role,
        turn.status,
        JSON.stringify(turn.context),
        turn.startedAt,
      ],
    );
    return rows.length > 0;
  }

  /** Whether a prospect turn of the conversation is queued or in progress (other than `exceptTurnId`). */
  async hasActiveProspectTurn(conversationId: string, exceptTurnId: string): Promise<boolean> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT 1 FROM ${TURNS} WHERE "conversation_id" = $1 AND "turn_id" <> $2 AND "role" = 'prospect'
         AND "status" IN ('queued', 'running', 'pending_tools') LIMIT 1`,
      [conversationId, exceptTurnId],
    );
    return rows.length > 0;
  }

  /** The conversation's first queued turn (row-locked), if any. */
  async nextQueuedTurn(conversationId: string): Promise<TurnRecord | undefined> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT * FROM ${TURNS} WHERE "conversation_id" = $1 AND "status" = 'queued'
       ORDER BY "sequence", "started_at" LIMIT 1 FOR UPDATE`,
      [conversationId],
    );
    return rows.length > 0 ? toTurn(rows[0]) : undefined;
  }

  /**
   * The turn, row-locked until the transaction ends: two tool results of one turn handled at the same time
   * are serialised here, so only one of them sees every outcome and takes the next step.
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

  /** A queued turn starts: it is running from now on (its orchestration time starts now too). */
  async markRunning(turnId: string, startedAt: Date): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${TURNS} SET "status" = 'running', "started_at" = $2 WHERE "turn_id" = $1 AND "status" = 'queued'`,
      [turnId, startedAt],
    );
  }

  /** Moves the turn on: its status, step, progress and (for a new round) when the round started. */
  async updateTurn(
    turnId: string,
    update: { status: TurnStatus; step: number; progress: TurnProgress; roundStartedAt?: Date },
  ): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${TURNS} SET "status" = $2, "step" = $3, "progress" = $4, "round_started_at" = $5
       WHERE "turn_id" = $1`,
      [turnId, update.status, update.step, JSON.stringify(update.progress), update.roundStartedAt ?? null],
    );
  }

  /** Stores a round: the provider's assistant message and its calls (requested, or already failed). */
  async insertRound(
    turnId: string,
    step: number,
    assistantContent: unknown,
    calls: readonly NewToolCall[],
    requestedAt: Date,
  ): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO ${ROUNDS} ("turn_id", "step", "assistant_content", "requested_at") VALUES ($1, $2, $3, $4)`,
      [turnId, step, assistantContent === undefined ? null : JSON.stringify(assistantContent), requestedAt],
    );
    for (const call of calls) {
      await this.uow.manager.query(
        `INSERT INTO ${TOOL_CALLS} ("id", "turn_id", "step", "call_index", "provider_call_id", "tool",
           "arguments", "status", "error", "requested_at", "finished_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          call.id,
          turnId,
          step,
          call.callIndex,
          call.providerCallId.slice(0, 256),
          call.tool.slice(0, 64),
          JSON.stringify(call.arguments),
          call.failed ? 'failed' : 'requested',
          call.failed ? JSON.stringify(call.failed) : null,
          requestedAt,
          call.failed ? requestedAt : null,
        ],
      );
    }
  }

  /** Every round of the turn, oldest first, each call in the model's order. */
  async rounds(turnId: string): Promise<RoundRecord[]> {
    const roundRows: unknown[] = await this.uow.manager.query(
      `SELECT "step", "assistant_content", "requested_at" FROM ${ROUNDS} WHERE "turn_id" = $1 ORDER BY "step"`,
      [turnId],
    );
    const calls = await this.toolCalls(turnId);
    const Row = z.object({ step: z.number(), assistant_content: z.unknown(), requested_at: z.date() });
    return roundRows.map((raw) => {
      const r = Row.parse(raw);
      return {
        step: r.step,
        assistantContent: r.assistant_content ?? undefined,
        requestedAt: r.requested_at,
        calls: calls.filter((c) => c.step === r.step),
      };
    });
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
    return returnedRows(rows).length > 0;
  }

  /** Marks every tool call still waiting as failed (e.g. timed out); returns how many. */
  async failPendingToolCalls(turnId: string, error: ToolError, finishedAt: Date): Promise<number> {
    const rows: unknown[] = await this.uow.manager.query(
      `UPDATE ${TOOL_CALLS} SET "status" = 'failed', "error" = $2, "finished_at" = $3
       WHERE "turn_id" = $1 AND "status" = 'requested' RETURNING "id"`,
      [turnId, JSON.stringify(error), finishedAt],
    );
    return returnedRows(rows).length;
  }

  /** The turn's tool calls, in order: step, then the model's order within the step. */
  async toolCalls(turnId: string): Promise<ToolCallRecord[]> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT * FROM ${TOOL_CALLS} WHERE "turn_id" = $1 ORDER BY "step", "call_index"`,
      [turnId],
    );
    return rows.map(toToolCall);
  }

  /** The conversation's turns after `afterSequence` and before `beforeSequence`, oldest first, with replies. */
  async history(
    conversationId: string,
    afterSequence: number,
    beforeSequence: number,
  ): Promise<HistoryTurn[]> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT "sequence", "role", "context" #>> '{turn,text}' AS "text", "reply_text" FROM ${TURNS}
       WHERE "conversation_id" = $1 AND "sequence" > $2 AND "sequence" < $3 ORDER BY "sequence"`,
      [conversationId, afterSequence, beforeSequence],
    );
    const Row = z.object({
      sequence: z.number(),
      role: TurnRole,
      text: z.string(),
      reply_text: z.string().nullable(),
    });
    return rows.map((raw) => {
      const r = Row.parse(raw);
      return r.reply_text === null
        ? { sequence: r.sequence, role: r.role, text: r.text }
        : { sequence: r.sequence, role: r.role, text: r.text, reply: r.reply_text };
    });
  }

  async summary(conversationId: string): Promise<ConversationSummary | undefined> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT "covers_up_to_sequence", "text" FROM ${SUMMARIES} WHERE "conversation_id" = $1`,
      [conversationId],
    );
    if (rows.length === 0) return undefined;
    const r = z.object({ covers_up_to_sequence: z.number(), text: z.string() }).parse(rows[0]);
    return { coversUpToSequence: r.covers_up_to_sequence, text: r.text };
  }

  /** Stores the summary; it only ever moves forward (a stale writer does not shrink it). */
  async saveSummary(
    conversationId: string,
    tenantId: string,
    summary: ConversationSummary,
    now: Date,
  ): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO ${SUMMARIES} ("conversation_id", "tenant_id", "covers_up_to_sequence", "text", "updated_at")
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ("conversation_id") DO UPDATE
         SET "covers_up_to_sequence" = EXCLUDED."covers_up_to_sequence", "text" = EXCLUDED."text",
             "updated_at" = EXCLUDED."updated_at"
         WHERE ${SUMMARIES}."covers_up_to_sequence" < EXCLUDED."covers_up_to_sequence"`,
      [conversationId, tenantId, summary.coversUpToSequence, summary.text, now],
    );
  }

  async finishTurn(
    turnId: string,
    status: 'completed' | 'failed',
    outcome: NonNullable<StoredTurnContext['outcome']>,
    finishedAt: Date,
    result: { progress?: TurnProgress; replyText?: string } = {},
  ): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${TURNS} SET "status" = $2, "finished_at" = $3,
         "context" = jsonb_set("context", '{outcome}', $4::jsonb, true),
         "progress" = COALESCE($5::jsonb, "progress"), "reply_text" = $6, "round_started_at" = NULL
       WHERE "turn_id" = $1`,
      [
        turnId,
        status,
        finishedAt,
        JSON.stringify(outcome),
        result.progress ? JSON.stringify(result.progress) : null,
        result.replyText ?? null,
      ],
    );
  }

  /** Turns whose current round started before `cutoff` and still waits for tools, oldest first. */
  async overdueTurns(cutoff: Date, limit: number): Promise<{ turnId: string; conversationId: string }[]> {
    const rows: unknown[] = await this.uow.manager.query(
      `SELECT "turn_id", "conversation_id" FROM ${TURNS}
       WHERE "status" = 'pending_tools' AND "round_started_at" < $1 ORDER BY "round_started_at" LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((raw) => {
      const r = z.object({ turn_id: z.string(), conversation_id: z.string() }).parse(raw);
      return { turnId: r.turn_id, conversationId: r.conversation_id };
    });
  }
}
