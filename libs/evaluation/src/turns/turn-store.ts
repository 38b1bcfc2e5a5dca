import { Injectable, Logger } from '@nestjs/common';
import type { AnalysisCompletedData, TurnReceivedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { lockAndCheckDeleted } from '../deletion/deleted-conversations';

const TABLE = '"evaluator"."turns"';
const COMPETITORS = '"evaluator"."competitor_mentions"';

/** What the evaluator knows of the conversation a reply answers. */
export interface TurnContext {
  /** The turn the reply answers, when it was received (and is the prospect's). */
  readonly prospectMessage?: string;
  /** Every prospect message of the conversation received so far, in order. */
  readonly prospectMessages: string[];
  /** Competitors the conversation's analyses found (entities of type `competitor`). */
  readonly competitors: string[];
}

/**
 * The turns the evaluator judges replies against (`turn.received`, restricted: raw text). Kept only for that,
 * deleted with the conversation (`EvaluatorConversationDeletion`).
 */
@Injectable()
export class EvaluatorTurnStore {
  private readonly logger = new Logger(EvaluatorTurnStore.name);

  constructor(private readonly uow: UnitOfWork) {}

  /** Stores the turn (idempotent), unless its conversation was deleted. False when nothing was stored. */
  async record(tenantId: string, turn: TurnReceivedData): Promise<boolean> {
    return this.uow.run(async (manager) => {
      if (await lockAndCheckDeleted(manager, turn.conversationId)) {
        this.logger.debug(`turn ${turn.turnId} of deleted conversation ${turn.conversationId} dropped`);
        return false;
      }
      const rows: unknown[] = await manager.query(
        `INSERT INTO ${TABLE} ("turn_id", "conversation_id", "tenant_id", "sequence", "role", "text", "received_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING "turn_id"`,
        [turn.turnId, turn.conversationId, tenantId, turn.sequence, turn.role, turn.text, turn.receivedAt],
      );
      return rows.length > 0;
    });
  }

  /** Remembers the competitors an analysis found in the conversation (idempotent), unless it was deleted. */
  async recordCompetitors(tenantId: string, analysis: AnalysisCompletedData): Promise<number> {
    const names = [
      ...new Set(
        analysis.analysis.entities
          .filter((e) => e.type === 'competitor')
          .map((e) => (e.value ?? e.text).trim().slice(0, 200))
          .filter((n) => n.length > 1),
      ),
    ];
    if (names.length === 0) return 0;
    return this.uow.run(async (manager) => {
      if (await lockAndCheckDeleted(manager, analysis.conversationId)) return 0;
      const rows: unknown[] = await manager.query(
        `INSERT INTO ${COMPETITORS} ("conversation_id", "tenant_id", "name")
         SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING RETURNING "name"`,
        [analysis.conversationId, tenantId, names],
      );
      return rows.length;
    });
  }

  /** The prospect's messages of the reply's conversation, and the one the reply answers (same tenant only). */
  async contextFor(tenantId: string, conversationId: string, turnId: string): Promise<TurnContext> {
    const rows: { turn_id: string; text: string }[] = await this.uow.manager.query(
      `SELECT "turn_id", "text" FROM ${TABLE}
       WHERE "conversation_id" = $1 AND "tenant_id" = $2 AND "role" = 'prospect' ORDER BY "sequence"`,
      [conversationId, tenantId],
    );
    const competitors: { name: string }[] = await this.uow.manager.query(
      `SELECT "name" FROM ${COMPETITORS} WHERE "conversation_id" = $1 AND "tenant_id" = $2 ORDER BY "name"`,
      [conversationId, tenantId],
    );
    const answered = rows.find((r) => r.turn_id === turnId);
    return {
      ...(answered === undefined ? {} : { prospectMessage: answered.text }),
      prospectMessages: rows.map((r) => r.text),
      competitors: competitors.map((c) => c.name),
    };
  }
}
