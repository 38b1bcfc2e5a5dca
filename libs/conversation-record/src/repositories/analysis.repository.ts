import { Injectable } from '@nestjs/common';
import type { AnalysisCompletedData, TurnRole } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { AnalysisEntity } from '../entities';
import { parseBudget } from '../model/budget-amount';
import { truncateChars } from '../model/turn-text';
import { inserted, json, table } from './sql';

/** `analysis_intents.intent` is varchar(64); the contract does not bound an intent's name. */
const MAX_INTENT = 64;
/** `ordinal` is a smallint. */
const MAX_ROWS = 32_767;
/** The analysis and its fact rows: each has the analysed turn's `role`. */
const ANALYSIS_TABLES = ['analyses', 'analysis_intents', 'analysis_entities', 'analysis_objections'] as const;

@Injectable()
export class AnalysisRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * One analysis per turn: returns false when the turn already has one (the first stored wins). When it is
   * stored, its intents, entities (budgets with amount and currency) and objections are stored as rows in
   * the same unit of work, one multi-row statement per table; a second analysis of the turn adds none.
   * Every row gets the analysed turn's role when the turn is stored already (else `assignRole` sets it
   * when the turn arrives).
   */
  async insert(tenantId: string, data: AnalysisCompletedData): Promise<boolean> {
    const a = data.analysis;
    const role = await this.turnRole(tenantId, data.turnId);
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('analyses')}
         ("turn_id", "conversation_id", "tenant_id", "intents", "sentiment_label", "sentiment_score",
          "entities", "objections", "buying_signals", "stage", "model", "completed_at", "qualification",
          "next_best_actions", "role")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT DO NOTHING RETURNING "turn_id"`,
      [
        data.turnId,
        data.conversationId,
        tenantId,
        json(a.intents),
        a.sentiment.label,
        a.sentiment.score,
        json(a.entities),
        json(a.objections),
        json(a.buyingSignals),
        a.stage,
        json(data.model),
        data.completedAt,
        a.qualification === undefined ? null : json(a.qualification),
        data.nextBestActions === undefined ? null : json(data.nextBestActions),
        role,
      ],
    );
    if (!inserted(rows)) return false;
    await this.insertFacts(tenantId, data, role);
    return true;
  }

  /**
   * A turn is stored: its analysis and fact rows stored before it get its role (one statement; nothing to
   * do when the analysis comes later, as it usually does).
   */
  async assignRole(tenantId: string, turnId: string, role: TurnRole): Promise<void> {
    const updates = ANALYSIS_TABLES.map(
      (name, i) =>
        `u${i} AS (UPDATE ${table(name)} SET "role" = $3
           WHERE "turn_id" = $1 AND "tenant_id" = $2 AND "role" IS NULL RETURNING 1)`,
    );
    await this.uow.manager.query(`WITH ${updates.join(', ')} SELECT 1`, [turnId, tenantId, role]);
  }

  private async turnRole(tenantId: string, turnId: string): Promise<TurnRole | null> {
    const rows: { role: TurnRole }[] = await this.uow.manager.query(
      `SELECT "role" FROM ${table('turns')} WHERE "id" = $1 AND "tenant_id" = $2`,
      [turnId, tenantId],
    );
    return rows[0]?.role ?? null;
  }

  /** Intents, entities and objections as rows; `ON CONFLICT DO NOTHING` (the keys are the turn and position). */
  private async insertFacts(
    tenantId: string,
    data: AnalysisCompletedData,
    role: TurnRole | null,
  ): Promise<void> {
    const { intents, entities, objections } = data.analysis;
    const head = [data.turnId, data.conversationId, tenantId, data.completedAt, role];
    if (intents.length > 0) {
      // A name repeated in one analysis keeps its first confidence (the key is the turn and the intent).
      await this.uow.manager.query(
        `INSERT INTO ${table('analysis_intents')}
           ("turn_id", "intent", "conversation_id", "tenant_id", "confidence", "occurred_at", "role")
         SELECT $1::uuid, u."intent", $2::uuid, $3::varchar, u."confidence", $4::timestamptz, $5::varchar
         FROM unnest($6::varchar[], $7::float8[]) WITH ORDINALITY AS u("intent", "confidence", "n")
         ORDER BY u."n"
         ON CONFLICT DO NOTHING`,
        [...head, intents.map((i) => truncateChars(i.name, MAX_INTENT)), intents.map((i) => i.confidence)],
      );
    }
    const mentions = entities.slice(0, MAX_ROWS);
    if (mentions.length > 0) {
      const budgets = mentions.map((e) => (e.type === 'budget' ? parseBudget(e.value) : undefined));
      await this.uow.manager.query(
        `INSERT INTO ${table('analysis_entities')}
           ("turn_id", "ordinal", "conversation_id", "tenant_id", "type", "text", "value", "amount", "currency",
            "occurred_at", "role")
         SELECT $1::uuid, u."ordinal", $2::uuid, $3::varchar, u."type", u."text", u."value", u."amount",
           u."currency", $4::timestamptz, $5::varchar
         FROM unnest($6::smallint[], $7::varchar[], $8::text[], $9::text[], $10::numeric[], $11::varchar[])
           AS u("ordinal", "type", "text", "value", "amount", "currency")
         ON CONFLICT DO NOTHING`,
        [
          ...head,
          mentions.map((_, i) => i),
          mentions.map((e) => e.type),
          mentions.map((e) => e.text),
          mentions.map((e) => e.value ?? null),
          budgets.map((b) => b?.amount ?? null),
          budgets.map((b) => b?.currency ?? null),
        ],
      );
    }
    const raised = objections.slice(0, MAX_ROWS);
    if (raised.length > 0) {
      // `handled` starts false; the recorder recomputes it for the conversation right after.
      await this.uow.manager.query(
        `INSERT INTO ${table('analysis_objections')}
           ("turn_id", "ordinal", "conversation_id", "tenant_id", "type", "evidence", "handled", "occurred_at",
            "role")
         SELECT $1::uuid, u."ordinal", $2::uuid, $3::varchar, u."type", u."evidence", false, $4::timestamptz,
           $5::varchar
         FROM unnest($6::smallint[], $7::varchar[], $8::text[]) AS u("ordinal", "type", "evidence")
         ON CONFLICT DO NOTHING`,
        [...head, raised.map((_, i) => i), raised.map((o) => o.type), raised.map((o) => o.evidence)],
      );
    }
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<AnalysisEntity[]> {
    return this.uow.manager.find(AnalysisEntity, { where: { tenantId, conversationId } });
  }
}
