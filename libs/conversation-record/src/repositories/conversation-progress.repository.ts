import { Injectable } from '@nestjs/common';
import type { Analysis, DealStage, TurnRole } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { StageTransitionEntity } from '../entities';
import type { AnalysedTurn } from '../model/analysed-turn';
import type { ObjectionKey } from '../model/objection-handling';
import type { StageTransition } from '../model/stage-transitions';
import { table } from './sql';

interface AnalysedTurnRow {
  turn_id: string;
  sequence: number | null;
  role: TurnRole | null;
  stage: DealStage;
  sentiment_label: Analysis['sentiment']['label'];
  objections: Analysis['objections'];
  completed_at: Date;
}

interface TransitionRow {
  turn_id: string;
  sequence: number | null;
  from_stage: DealStage | null;
  to_stage: DealStage;
  occurred_at: Date;
}

const sameTransitions = (stored: readonly TransitionRow[], next: readonly StageTransition[]): boolean =>
  stored.length === next.length &&
  stored.every((row) => {
    const t = next.find((n) => n.turnId === row.turn_id);
    return (
      t !== undefined &&
      t.sequence === row.sequence &&
      t.from === row.from_stage &&
      t.to === row.to_stage &&
      t.occurredAt.getTime() === row.occurred_at.getTime()
    );
  });

/**
 * What the record derives from a conversation's analyses and turns as a whole: stage transitions, which
 * objections are handled, the person names its turns are redacted with. Called under the conversation's
 * lock (see ConversationRepository.lockOrCreate), so reading, deriving and rewriting never race.
 */
@Injectable()
export class ConversationProgressRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Every analysis of the conversation, with its turn's sequence and role when the turn is stored. */
  async analysedTurns(tenantId: string, conversationId: string): Promise<AnalysedTurn[]> {
    const rows: AnalysedTurnRow[] = await this.uow.manager.query(
      `SELECT a."turn_id", t."sequence", t."role", a."stage", a."sentiment_label", a."objections",
         a."completed_at"
       FROM ${table('analyses')} a
       LEFT JOIN ${table('turns')} t ON t."id" = a."turn_id" AND t."tenant_id" = a."tenant_id"
       WHERE a."tenant_id" = $1 AND a."conversation_id" = $2`,
      [tenantId, conversationId],
    );
    return rows.map((r) => ({
      turnId: r.turn_id,
      sequence: r.sequence,
      role: r.role,
      stage: r.stage,
      sentiment: r.sentiment_label,
      objections: r.objections,
      completedAt: r.completed_at,
    }));
  }

  /**
   * Makes the conversation's `stage_transitions` rows exactly `transitions`: nothing is written when they
   * already are; else the conversation's rows are deleted and inserted again (one statement each).
   */
  async replaceStageTransitions(
    tenantId: string,
    conversationId: string,
    transitions: readonly StageTransition[],
  ): Promise<void> {
    const stored: TransitionRow[] = await this.uow.manager.query(
      `SELECT "turn_id", "sequence", "from_stage", "to_stage", "occurred_at" FROM ${table('stage_transitions')}
       WHERE "tenant_id" = $1 AND "conversation_id" = $2`,
      [tenantId, conversationId],
    );
    if (sameTransitions(stored, transitions)) return;
    await this.uow.manager.query(
      `DELETE FROM ${table('stage_transitions')} WHERE "tenant_id" = $1 AND "conversation_id" = $2`,
      [tenantId, conversationId],
    );
    if (transitions.length === 0) return;
    await this.uow.manager.query(
      `INSERT INTO ${table('stage_transitions')}
         ("conversation_id", "turn_id", "tenant_id", "sequence", "from_stage", "to_stage", "occurred_at")
       SELECT $1::uuid, u."turn_id", $2::varchar, u."sequence", u."from_stage", u."to_stage", u."occurred_at"
       FROM unnest($3::uuid[], $4::int[], $5::varchar[], $6::varchar[], $7::timestamptz[])
         AS u("turn_id", "sequence", "from_stage", "to_stage", "occurred_at")`,
      [
        conversationId,
        tenantId,
        transitions.map((t) => t.turnId),
        transitions.map((t) => t.sequence),
        transitions.map((t) => t.from),
        transitions.map((t) => t.to),
        transitions.map((t) => t.occurredAt.toISOString()),
      ],
    );
  }

  /** Sets `handled` on the conversation's objection rows: true for `handled`, false for the others. */
  async markHandledObjections(
    tenantId: string,
    conversationId: string,
    handled: readonly ObjectionKey[],
  ): Promise<void> {
    await this.uow.manager.query(
      `WITH h AS (SELECT * FROM unnest($3::uuid[], $4::int[]) AS h("turn_id", "ordinal")),
       wanted AS (
         SELECT o."turn_id", o."ordinal", (h."turn_id" IS NOT NULL) AS "handled"
         FROM ${table('analysis_objections')} o
         LEFT JOIN h ON h."turn_id" = o."turn_id" AND h."ordinal" = o."ordinal"
         WHERE o."tenant_id" = $1 AND o."conversation_id" = $2
       )
       UPDATE ${table('analysis_objections')} o SET "handled" = w."handled"
       FROM wanted w
       WHERE o."turn_id" = w."turn_id" AND o."ordinal" = w."ordinal" AND o."handled" <> w."handled"`,
      [tenantId, conversationId, handled.map((k) => k.turnId), handled.map((k) => k.ordinal)],
    );
  }

  /** The person names the conversation's analyses found (their words and normalised values). */
  async personNames(tenantId: string, conversationId: string): Promise<string[]> {
    const rows: { name: string }[] = await this.uow.manager.query(
      `SELECT DISTINCT n."name" FROM ${table('analysis_entities')} e
       CROSS JOIN LATERAL (VALUES (e."text"), (e."value")) AS n("name")
       WHERE e."tenant_id" = $1 AND e."conversation_id" = $2 AND e."type" = 'person' AND n."name" IS NOT NULL
       ORDER BY n."name"`,
      [tenantId, conversationId],
    );
    return rows.map((r) => r.name);
  }

  /** The conversation's stage transitions, in conversation order (causing turn's sequence, unknown last). */
  async listStageTransitions(tenantId: string, conversationId: string): Promise<StageTransitionEntity[]> {
    return this.uow.manager
      .createQueryBuilder(StageTransitionEntity, 's')
      .where('s.tenantId = :tenantId AND s.conversationId = :conversationId', { tenantId, conversationId })
      .orderBy('s.sequence', 'ASC', 'NULLS LAST')
      .addOrderBy('s.occurredAt', 'ASC')
      .addOrderBy('s.turnId', 'ASC')
      .getMany();
  }
}
