import { Injectable } from '@nestjs/common';
import type { TurnFailedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { TurnFailureEntity } from '../entities';
import { inserted, table } from './sql';

@Injectable()
export class TurnFailureRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** One failure per turn: the first stored wins. */
  async insert(tenantId: string, data: TurnFailedData): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('turn_failures')}
         ("turn_id", "conversation_id", "tenant_id", "code", "message", "failed_at")
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING "turn_id"`,
      [data.turnId, data.conversationId, tenantId, data.reason.code, data.reason.message, data.failedAt],
    );
    return inserted(rows);
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<TurnFailureEntity[]> {
    return this.uow.manager.find(TurnFailureEntity, { where: { tenantId, conversationId } });
  }
}
