import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  Analysis,
  ConversationMode,
  DealStage,
  TurnRole,
  type ConversationEvaluatedData,
  type ConversationEvaluationTrigger,
} from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import type { EntityManager } from 'typeorm';
import { lockAndCheckDeleted } from '../deletion/deleted-conversations';
import type { ConversationFacts } from './conversation-evaluation';

const S = '"evaluator"';
const FACTS = `${S}."conversation_facts"`;
const TURNS = `${S}."conversation_turn_facts"`;
const ANALYSES = `${S}."conversation_analysis_facts"`;
const EVALUATIONS = `${S}."conversation_evaluations"`;

/** The evaluator's tables of conversation-level facts, in deletion order. */
export const CONVERSATION_FACT_TABLES = [
  'conversation_evaluations',
  'conversation_analysis_facts',
  'conversation_turn_facts',
  'conversation_facts',
] as const;

const StateRow = z.object({
  conversation_id: z.string(),
  tenant_id: z.string(),
  mode: ConversationMode.nullable(),
  last_turn_id: z.string().nullable(),
  last_turn_at: z.date().nullable(),
  ended_at: z.date().nullable(),
  evaluated_turn_id: z.string().nullable(),
});

/** What the evaluator keeps of a conversation besides its turns and analyses. */
export interface ConversationFactsState {
  readonly conversationId: string;
  readonly tenantId: string;
  readonly mode: ConversationMode | null;
  readonly lastTurnId: string | null;
  readonly lastTurnAt: Date | null;
  readonly endedAt: Date | null;
  /** The last turn the latest evaluation covered. */
  readonly evaluatedTurnId: string | null;
}

const TurnRow = z.object({
  turn_id: z.string(),
  sequence: z.number(),
  role: TurnRole,
  word_count: z.number(),
});
const AnalysisRow = z.object({
  turn_id: z.string(),
  stage: DealStage,
  sentiment: Analysis.shape.sentiment.shape.label,
  objection_types: z.array(Analysis.shape.objections.element.shape.type),
  completed_at: z.date(),
});

export interface IdleConversation {
  readonly conversationId: string;
  readonly tenantId: string;
}

/**
 * Conversation facts in the evaluator's schema. Every write joins the active unit of work and starts with
 * the conversation's advisory lock (`lockConversation`), which also serialises it with the deletion.
 */
@Injectable()
export class ConversationFactsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private get manager(): EntityManager {
    return this.uow.manager;
  }

  inTransaction<T>(work: () => Promise<T>): Promise<T> {
    return this.uow.run(() => work());
  }

  /** Locks the conversation until the transaction ends; true when it was deleted. */
  lockConversation(conversationId: string): Promise<boolean> {
    return lockAndCheckDeleted(this.manager, conversationId);
  }

  /** Creates the conversation's row (first event heard of it) or sets its mode. */
  async upsertConversation(
    tenantId: string,
    conversationId: string,
    mode: ConversationMode | null,
  ): Promise<void> {
    await this.manager.query(
      `INSERT INTO ${FACTS} ("conversation_id", "tenant_id", "mode") VALUES ($1, $2, $3)
       ON CONFLICT ("conversation_id") DO UPDATE
         SET "mode" = COALESCE(EXCLUDED."mode", ${FACTS}."mode"), "updated_at" = now()`,
      [conversationId, tenantId, mode],
    );
  }

  /** Stores a turn's facts; false when already stored. Moves the conversation's last turn forward. */
  async insertTurn(
    tenantId: string,
    t: {
      conversationId: string;
      turnId: string;
      sequence: number;
      role: TurnRole;
      wordCount: number;
      receivedAt: Date;
    },
  ): Promise<boolean> {
    const rows: unknown[] = await this.manager.query(
      `INSERT INTO ${TURNS} ("turn_id", "conversation_id", "tenant_id", "sequence", "role", "word_count",
         "received_at") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1`,
      [t.turnId, t.conversationId, tenantId, t.sequence, t.role, t.wordCount, t.receivedAt],
    );
    if (rows.length === 0) return false;
    await this.manager.query(
      `UPDATE ${FACTS} SET
         "last_turn_id" = CASE WHEN "last_turn_sequence" IS NULL OR "last_turn_sequence" < $2 THEN $3::uuid
                               ELSE "last_turn_id" END,
         "last_turn_sequence" = GREATEST("last_turn_sequence", $2),
         "last_turn_at" = GREATEST("last_turn_at", $4),
         "updated_at" = now()
       WHERE "conversation_id" = $1`,
      [t.conversationId, t.sequence, t.turnId, t.receivedAt],
    );
    return true;
  }

  /** Stores an analysis' facts; false when already stored. */
  async insertAnalysis(
    tenantId: string,
    a: {
      conversationId: string;
      turnId: string;
      stage: DealStage;
      sentiment: string;
      objectionTypes: string[];
      completedAt: Date;
    },
  ): Promise<boolean> {
    const rows: unknown[] = await this.manager.query(
      `INSERT INTO ${ANALYSES} ("turn_id", "conversation_id", "tenant_id", "stage", "sentiment",
         "objection_types", "completed_at") VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [
        a.turnId,
        a.conversationId,
        tenantId,
        a.stage,
        a.sentiment,
        JSON.stringify(a.objectionTypes),
        a.completedAt,
      ],
    );
    return rows.length > 0;
  }

  async markEnded(conversationId: string, endedAt: Date): Promise<void> {
    await this.manager.query(
      `UPDATE ${FACTS} SET "ended_at" = COALESCE("ended_at", $2), "updated_at" = now()
       WHERE "conversation_id" = $1`,
      [conversationId, endedAt],
    );
  }

  async state(conversationId: string): Promise<ConversationFactsState | undefined> {
    const rows: unknown[] = await this.manager.query(`SELECT * FROM ${FACTS} WHERE "conversation_id" = $1`, [
      conversationId,
    ]);
    if (rows.length === 0) return undefined;
    const r = StateRow.parse(rows[0]);
    return {
      conversationId: r.conversation_id,
      tenantId: r.tenant_id,
      mode: r.mode,
      lastTurnId: r.last_turn_id,
      lastTurnAt: r.last_turn_at,
      endedAt: r.ended_at,
      evaluatedTurnId: r.evaluated_turn_id,
    };
  }

  /**
   * The facts the evaluation is computed from: turns, analyses, and the groundedness of the conversation's
   * replies from the evaluator's own reply evaluations (the scores `evaluation.completed` announced).
   */
  async facts(state: ConversationFactsState): Promise<ConversationFacts> {
    const id = state.conversationId;
    const turns = z.array(TurnRow).parse(
      await this.manager.query(
        `SELECT "turn_id", "sequence", "role", "word_count" FROM ${TURNS}
           WHERE "conversation_id" = $1 ORDER BY "sequence"`,
        [id],
      ),
    );
    const analyses = z.array(AnalysisRow).parse(
      await this.manager.query(
        `SELECT "turn_id", "stage", "sentiment", "objection_types", "completed_at" FROM ${ANALYSES}
           WHERE "conversation_id" = $1`,
        [id],
      ),
    );
    const scores: { groundedness: number }[] = await this.manager.query(
      `SELECT "groundedness" FROM ${S}."evaluations" WHERE "conversation_id" = $1 AND "tenant_id" = $2
       ORDER BY "evaluated_at"`,
      [id, state.tenantId],
    );
    return {
      mode: state.mode,
      turns: turns.map((t) => ({
        turnId: t.turn_id,
        sequence: t.sequence,
        role: t.role,
        wordCount: t.word_count,
      })),
      analyses: analyses.map((a) => ({
        turnId: a.turn_id,
        stage: a.stage,
        sentiment: a.sentiment,
        objections: a.objection_types,
        completedAt: a.completed_at,
      })),
      groundedness: scores.map((s) => Number(s.groundedness)),
    };
  }

  /** Stores the evaluation; false when it was already stored (a redelivery). Marks the covered turn. */
  async insertEvaluation(
    tenantId: string,
    trigger: ConversationEvaluationTrigger,
    evaluation: ConversationEvaluatedData,
  ): Promise<boolean> {
    const rows: unknown[] = await this.manager.query(
      `INSERT INTO ${EVALUATIONS} ("evaluation_id", "conversation_id", "tenant_id", "trigger", "last_turn_id",
         "result", "evaluated_at") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1`,
      [
        evaluation.evaluationId,
        evaluation.conversationId,
        tenantId,
        trigger,
        evaluation.lastTurnId,
        JSON.stringify(evaluation),
        evaluation.evaluatedAt,
      ],
    );
    if (rows.length === 0) return false;
    await this.manager.query(
      `UPDATE ${FACTS} SET "evaluated_turn_id" = $2, "evaluated_at" = $3, "updated_at" = now()
       WHERE "conversation_id" = $1`,
      [evaluation.conversationId, evaluation.lastTurnId, evaluation.evaluatedAt],
    );
    return true;
  }

  /** Conversations with no turn since `cutoff` and none evaluated since their last turn, oldest first. */
  async idle(cutoff: Date, limit: number): Promise<IdleConversation[]> {
    const rows: { conversation_id: string; tenant_id: string }[] = await this.manager.query(
      `SELECT "conversation_id", "tenant_id" FROM ${FACTS}
       WHERE "last_turn_id" IS DISTINCT FROM "evaluated_turn_id" AND "last_turn_at" < $1
       ORDER BY "last_turn_at" LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((r) => ({ conversationId: r.conversation_id, tenantId: r.tenant_id }));
  }

  /**
   * Runs `work` when this instance holds the sweep's session advisory lock (on a connection of its own), else
   * returns undefined: one idle sweep at a time across instances.
   */
  async withSweepLock<T>(work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.uow.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.manager.query<{ locked: boolean }[]>(
        `SELECT pg_try_advisory_lock($1::int, $2::int) AS "locked"`,
        [...IDLE_SWEEP_LOCK],
      );
      if (!locked) return undefined;
      try {
        return await work();
      } finally {
        await runner.manager.query(`SELECT pg_advisory_unlock($1::int, $2::int)`, [...IDLE_SWEEP_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }
}

/** The idle sweep's advisory lock (class, key): a class of its own, never a conversation's lock. */
export const IDLE_SWEEP_LOCK = [0x5e7d4, 0x1d1e] as const;

/**
 * Deletes the conversation's facts and evaluations (called by the evaluator's conversation deletion, under
 * the conversation's lock). Returns the rows removed per table (tables with none left out).
 */
export async function deleteConversationFacts(
  manager: EntityManager,
  conversationId: string,
  tenantId: string,
): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const table of CONVERSATION_FACT_TABLES) {
    const [, count]: [unknown, number] = await manager.query(
      `DELETE FROM ${S}."${table}" WHERE "conversation_id" = $1 AND "tenant_id" = $2`,
      [conversationId, tenantId],
    );
    if (count > 0) removed[table] = count;
  }
  return removed;
}

/** The tenant owning the conversation's facts, if any. */
export async function conversationFactsOwner(
  manager: EntityManager,
  conversationId: string,
): Promise<string | undefined> {
  const rows: { tenant_id: string }[] = await manager.query(
    `SELECT "tenant_id" FROM ${FACTS} WHERE "conversation_id" = $1`,
    [conversationId],
  );
  return rows[0]?.tenant_id;
}
