import { Injectable } from '@nestjs/common';
import type { TurnReceivedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { TurnEntity } from '../entities';
import { inserted, table } from './sql';

@Injectable()
export class TurnRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Stores a turn once. Returns false when it is already stored, by id or by position (another turn with
   * the same sequence in the conversation): the first one stored wins.
   */
  async insert(tenantId: string, turn: TurnReceivedData): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('turns')}
         ("id", "conversation_id", "tenant_id", "sequence", "role", "text", "received_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [turn.turnId, turn.conversationId, tenantId, turn.sequence, turn.role, turn.text, turn.receivedAt],
    );
    return inserted(rows);
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<TurnEntity[]> {
    return this.uow.manager.find(TurnEntity, {
      where: { tenantId, conversationId },
      order: { sequence: 'ASC' },
    });
  }
}
