import { Injectable, Logger } from '@nestjs/common';
import type { ConversationEndedData, ConversationEvaluatedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { ConversationRepository } from '../repositories/conversation.repository';
import { table } from '../repositories/sql';
import { PERSISTENCE_SCHEMA } from '../schema';

const CONVERSATION_EVALUATIONS = `"${PERSISTENCE_SCHEMA}"."conversation_evaluations"`;

/**
 * `conversation.ended` and `conversation.evaluated` into the record. Each is one unit of work that starts
 * with the conversation's row lock (a stub when it is the first event heard of it; dropped when the
 * conversation was deleted), like every other write of the record. Idempotent: the first end is kept, an
 * evaluation is stored once per evaluation id.
 */
@Injectable()
export class ConversationEvaluationRecorder {
  private readonly logger = new Logger(ConversationEvaluationRecorder.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly conversations: ConversationRepository,
  ) {}

  async conversationEnded(tenantId: string, data: ConversationEndedData): Promise<void> {
    const endedAt = new Date(data.endedAt);
    await this.uow.run(async () => {
      await this.conversations.lockOrCreate(tenantId, data.conversationId, endedAt);
      await this.uow.manager.query(
        `UPDATE ${table('conversations')} SET "ended_at" = $3, "end_reason" = $4
         WHERE "id" = $1 AND "tenant_id" = $2 AND "ended_at" IS NULL`,
        [data.conversationId, tenantId, endedAt, data.reason],
      );
    });
  }

  async conversationEvaluated(tenantId: string, data: ConversationEvaluatedData): Promise<void> {
    await this.uow.run(async () => {
      await this.conversations.lockOrCreate(tenantId, data.conversationId, new Date(data.evaluatedAt));
      const rows: unknown[] = await this.uow.manager.query(
        `INSERT INTO ${CONVERSATION_EVALUATIONS} ("evaluation_id", "conversation_id", "tenant_id",
           "trigger", "last_turn_id", "mode", "prospect_turns", "rep_turns", "first_stage", "last_stage",
           "stage_advances", "stage_transitions", "objections_raised", "objections_handled",
           "objections_by_type", "talk_ratio", "replies", "groundedness_mean", "groundedness_min", "evaluated_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         ON CONFLICT ("evaluation_id") DO NOTHING RETURNING 1`,
        [
          data.evaluationId,
          data.conversationId,
          tenantId,
          data.trigger,
          data.lastTurnId,
          data.mode,
          data.turns.prospect,
          data.turns.rep,
          data.stage.first,
          data.stage.last,
          data.stage.advances,
          data.stage.transitions,
          data.objections.raised,
          data.objections.handled,
          JSON.stringify(data.objections.byType),
          data.talkRatio,
          data.replies,
          data.groundedness.mean,
          data.groundedness.min,
          new Date(data.evaluatedAt),
        ],
      );
      if (rows.length === 0) this.logger.debug(`conversation evaluation ${data.evaluationId} already stored`);
    });
  }
}
