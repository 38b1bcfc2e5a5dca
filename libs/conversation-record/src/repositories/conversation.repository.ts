import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import { guardConversation } from '../deletion/deleted-conversations';
import { ConversationEntity } from '../entities';
import { ConversationTenantMismatchError, InvalidCursorError } from '../errors';
import { stubConversation, type ConversationState } from '../model/conversation-state';
import { json, table } from './sql';

export interface ConversationPage {
  readonly items: ConversationEntity[];
  readonly hasMore: boolean;
}

@Injectable()
export class ConversationRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Returns the conversation's row, locked until the unit of work commits, creating a stub when it is not
   * stored yet. Every write about a conversation starts here, so the writes of one conversation are
   * serialised even when its topics are consumed concurrently.
   */
  async lockOrCreate(tenantId: string, conversationId: string, at: Date): Promise<ConversationState> {
    // A deleted conversation is never recreated: its late events are dropped (ConversationDeletedError).
    await guardConversation(this.uow.manager, conversationId);
    const stub = stubConversation(at);
    await this.uow.manager.query(
      `INSERT INTO ${table('conversations')}
         ("id", "tenant_id", "status", "started_at", "updated_at", "turn_count")
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("id") DO NOTHING`,
      [conversationId, tenantId, stub.status, stub.startedAt, stub.updatedAt, stub.turnCount],
    );
    const row = await this.uow.manager.findOne(ConversationEntity, {
      where: { id: conversationId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!row) throw new Error(`conversation ${conversationId} vanished while being locked`);
    if (row.tenantId !== tenantId) throw new ConversationTenantMismatchError(conversationId, tenantId);
    return row;
  }

  async update(tenantId: string, conversationId: string, state: ConversationState): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${table('conversations')} SET
         "status" = $3, "mode" = $4, "prospect" = $5, "rep_id" = $6, "title" = $7,
         "started_at" = $8, "updated_at" = $9, "turn_count" = $10
       WHERE "id" = $1 AND "tenant_id" = $2`,
      [
        conversationId,
        tenantId,
        state.status,
        state.mode,
        state.prospect === null ? null : json(state.prospect),
        state.repId,
        state.title,
        state.startedAt,
        state.updatedAt,
        state.turnCount,
      ],
    );
  }

  /**
   * The current deal stage is the stage of the analysis of the latest turn. Recomputed from the stored
   * analyses whenever an analysis or a turn is stored, so the result does not depend on arrival order.
   * An analysis whose turn is not stored yet ranks first: the orchestrator only analyses turns it
   * received, so such a turn is the newest one; once it is stored its real sequence decides.
   */
  async refreshStage(tenantId: string, conversationId: string): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${table('conversations')} c SET "stage" = latest."stage"
       FROM (
         SELECT a."stage" FROM ${table('analyses')} a
         LEFT JOIN ${table('turns')} t ON t."id" = a."turn_id" AND t."tenant_id" = a."tenant_id"
         WHERE a."tenant_id" = $1 AND a."conversation_id" = $2
         ORDER BY t."sequence" DESC NULLS FIRST, a."completed_at" DESC, a."turn_id" DESC
         LIMIT 1
       ) latest
       WHERE c."id" = $2 AND c."tenant_id" = $1 AND c."stage" IS DISTINCT FROM latest."stage"`,
      [tenantId, conversationId],
    );
  }

  /** First statement of a read-only unit of work: every following read sees the same snapshot. */
  async useReadOnlySnapshot(): Promise<void> {
    await this.uow.manager.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  }

  async findForTenant(tenantId: string, conversationId: string): Promise<ConversationEntity | null> {
    return this.uow.manager.findOne(ConversationEntity, { where: { id: conversationId, tenantId } });
  }

  /** Newest first (by start time, then id); `afterId` is the last conversation of the previous page. */
  async listForTenant(tenantId: string, limit: number, afterId?: string): Promise<ConversationPage> {
    const query = this.uow.manager
      .createQueryBuilder(ConversationEntity, 'c')
      .where('c.tenantId = :tenantId', { tenantId })
      .orderBy('c.startedAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit + 1);
    if (afterId !== undefined) {
      const cursor = await this.findForTenant(tenantId, afterId);
      if (!cursor) throw new InvalidCursorError();
      // Compare against the stored row (not a copy in the cursor): timestamptz has microseconds, Date not.
      query.andWhere(
        `(c.started_at, c.id) < (SELECT x.started_at, x.id FROM ${table('conversations')} x WHERE x.id = :afterId)`,
        { afterId },
      );
    }
    const rows = await query.getMany();
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }
}
