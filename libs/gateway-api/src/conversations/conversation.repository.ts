import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationMode, ProspectRef } from '@lib/contracts';
import { schemaOf, UnitOfWork } from '@lib/database';

/** A conversation as the gateway knows it: who owns it, its settings, how many turns it accepted. */
export interface OwnedConversation {
  readonly id: string;
  readonly tenantId: string;
  readonly mode: ConversationMode;
  readonly prospect: ProspectRef;
  readonly turnCount: number;
  readonly createdAt: string;
}

export interface AcceptedTurn {
  readonly id: string;
  readonly conversationId: string;
  readonly tenantId: string;
  readonly sequence: number;
  readonly idempotencyKey: string | null;
  readonly createdAt: string;
}

export type AppendTurnResult =
  | { readonly kind: 'not_found' }
  | { readonly kind: 'duplicate'; readonly turn: AcceptedTurn; readonly conversation: OwnedConversation }
  | { readonly kind: 'appended'; readonly turn: AcceptedTurn; readonly conversation: OwnedConversation };

interface ConversationRow {
  id: string;
  tenant_id: string;
  mode: ConversationMode;
  prospect: ProspectRef;
  turn_count: number;
  created_at: Date;
}

interface TurnRow {
  id: string;
  conversation_id: string;
  tenant_id: string;
  sequence: number;
  idempotency_key: string | null;
  created_at: Date;
}

const toConversation = (r: ConversationRow): OwnedConversation => ({
  id: r.id,
  tenantId: r.tenant_id,
  mode: r.mode,
  prospect: r.prospect,
  turnCount: r.turn_count,
  createdAt: r.created_at.toISOString(),
});

const toTurn = (r: TurnRow): AcceptedTurn => ({
  id: r.id,
  conversationId: r.conversation_id,
  tenantId: r.tenant_id,
  sequence: r.sequence,
  idempotencyKey: r.idempotency_key,
  createdAt: r.created_at.toISOString(),
});

const CONVERSATION_COLUMNS = `"id", "tenant_id", "mode", "prospect", "turn_count", "created_at"`;
const TURN_COLUMNS = `"id", "conversation_id", "tenant_id", "sequence", "idempotency_key", "created_at"`;

/** Conversation ownership and accepted turns in the gateway's schema. Every read is scoped by tenant. */
@Injectable()
export class ConversationRepository {
  private readonly conversations: string;
  private readonly turns: string;

  constructor(private readonly uow: UnitOfWork) {
    const schema = schemaOf(uow.dataSource);
    this.conversations = `"${schema}"."conversations"`;
    this.turns = `"${schema}"."turns"`;
  }

  async insert(conversation: {
    id: string;
    tenantId: string;
    mode: ConversationMode;
    prospect: ProspectRef;
    createdAt: string;
  }): Promise<OwnedConversation> {
    const rows: ConversationRow[] = await this.uow.manager.query(
      `INSERT INTO ${this.conversations} ("id", "tenant_id", "mode", "prospect", "created_at")
       VALUES ($1, $2, $3, $4, $5) RETURNING ${CONVERSATION_COLUMNS}`,
      [
        conversation.id,
        conversation.tenantId,
        conversation.mode,
        JSON.stringify(conversation.prospect),
        conversation.createdAt,
      ],
    );
    return toConversation(rows[0]);
  }

  /** The conversation if it exists AND belongs to the tenant: another tenant's looks exactly like none. */
  async findOwned(tenantId: string, id: string): Promise<OwnedConversation | undefined> {
    const rows: ConversationRow[] = await this.uow.manager.query(
      `SELECT ${CONVERSATION_COLUMNS} FROM ${this.conversations} WHERE "id" = $1 AND "tenant_id" = $2`,
      [id, tenantId],
    );
    return rows[0] ? toConversation(rows[0]) : undefined;
  }

  async findOwnedTurn(tenantId: string, turnId: string): Promise<AcceptedTurn | undefined> {
    const rows: TurnRow[] = await this.uow.manager.query(
      `SELECT ${TURN_COLUMNS} FROM ${this.turns} WHERE "id" = $1 AND "tenant_id" = $2`,
      [turnId, tenantId],
    );
    return rows[0] ? toTurn(rows[0]) : undefined;
  }

  /**
   * Appends a turn under a row lock on its conversation and runs `beforeCommit` (the publish) before
   * committing: if it throws, the turn and the sequence increment roll back. The lock also serialises a
   * conversation's turns, so their events reach the transport in sequence order, and makes a concurrent
   * retry with the same idempotency key see the first one's turn.
   *
   * Deliberately a plain transaction, not a unit of work: inside a unit of work `EventPublisher.publish`
   * writes to the outbox, whereas the turn must be acknowledged by the transport before we answer.
   */
  async appendTurn(
    tenantId: string,
    conversationId: string,
    turn: { id: string; idempotencyKey?: string },
    beforeCommit: (turn: AcceptedTurn, conversation: OwnedConversation) => Promise<void>,
  ): Promise<AppendTurnResult> {
    if (this.uow.isActive)
      throw new Error('appendTurn publishes directly: it must not run in a unit of work');
    return this.uow.dataSource.transaction(async (manager): Promise<AppendTurnResult> => {
      const locked: ConversationRow[] = await manager.query(
        `SELECT ${CONVERSATION_COLUMNS} FROM ${this.conversations} WHERE "id" = $1 AND "tenant_id" = $2 FOR UPDATE`,
        [conversationId, tenantId],
      );
      if (!locked[0]) return { kind: 'not_found' };
      const conversation = toConversation(locked[0]);
      const existing = await this.findTurnForRetry(manager, conversationId, turn.id, turn.idempotencyKey);
      if (existing) return { kind: 'duplicate', turn: existing, conversation };

      const sequence = conversation.turnCount + 1;
      const inserted: TurnRow[] = await manager.query(
        `INSERT INTO ${this.turns} ("id", "conversation_id", "tenant_id", "sequence", "idempotency_key")
         VALUES ($1, $2, $3, $4, $5) RETURNING ${TURN_COLUMNS}`,
        [turn.id, conversationId, tenantId, sequence, turn.idempotencyKey ?? null],
      );
      await manager.query(`UPDATE ${this.conversations} SET "turn_count" = $2 WHERE "id" = $1`, [
        conversationId,
        sequence,
      ]);
      const appended = toTurn(inserted[0]);
      const updated = { ...conversation, turnCount: sequence };
      await beforeCommit(appended, updated);
      return { kind: 'appended', turn: appended, conversation: updated };
    });
  }

  private async findTurnForRetry(
    manager: EntityManager,
    conversationId: string,
    turnId: string,
    idempotencyKey: string | undefined,
  ): Promise<AcceptedTurn | undefined> {
    if (idempotencyKey === undefined) return undefined;
    const rows: TurnRow[] = await manager.query(
      `SELECT ${TURN_COLUMNS} FROM ${this.turns}
       WHERE "conversation_id" = $1 AND ("idempotency_key" = $2 OR "id" = $3)`,
      [conversationId, idempotencyKey, turnId],
    );
    return rows[0] ? toTurn(rows[0]) : undefined;
  }
}
