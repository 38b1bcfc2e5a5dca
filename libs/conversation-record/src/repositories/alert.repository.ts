import { Injectable } from '@nestjs/common';
import type { AlertRaisedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { AlertEntity } from '../entities';
import { inserted, json, table } from './sql';

@Injectable()
export class AlertRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(tenantId: string, data: AlertRaisedData): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('alerts')}
         ("id", "conversation_id", "turn_id", "tenant_id", "severity", "kind", "message", "evidence", "raised_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [
        data.alertId,
        data.conversationId,
        data.turnId ?? null,
        tenantId,
        data.severity,
        data.kind,
        data.message,
        json(data.evidence),
        data.raisedAt,
      ],
    );
    return inserted(rows);
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<AlertEntity[]> {
    return this.uow.manager.find(AlertEntity, { where: { tenantId, conversationId } });
  }
}
