import { Injectable } from '@nestjs/common';
import type { TurnReceivedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { TurnEntity, type SuggestionDisposition } from '../entities';
import { inserted, table } from './sql';

/** What the record derives from a turn's text when it stores it. */
export interface TurnTextFacts {
  readonly redactedText: string;
  readonly wordCount: number;
  readonly tokenCount: number;
  /** Known when the suggested reply is stored already; else decided when it arrives. */
  readonly suggestionDisposition: SuggestionDisposition | null;
}

/** A rep's turn that sent a suggestion whose disposition is not decided yet. */
export interface UndecidedSuggestion {
  readonly id: string;
  readonly text: string;
}

@Injectable()
export class TurnRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Stores a turn once. Returns false when it is already stored, by id or by position (another turn with
   * the same sequence in the conversation): the first one stored wins.
   */
  async insert(
    tenantId: string,
    turn: TurnReceivedData,
    facts: TurnTextFacts,
    traceId: string | null = null,
  ): Promise<boolean> {
    const rows: unknown = await this.uow.manager.query(
      `INSERT INTO ${table('turns')}
         ("id", "conversation_id", "tenant_id", "sequence", "role", "text", "received_at", "redacted_text",
          "word_count", "token_count", "suggestion_reply_id", "suggestion_disposition", "trace_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [
        turn.turnId,
        turn.conversationId,
        tenantId,
        turn.sequence,
        turn.role,
        turn.text,
        turn.receivedAt,
        facts.redactedText,
        facts.wordCount,
        facts.tokenCount,
        turn.suggestion?.replyId ?? null,
        facts.suggestionDisposition,
        traceId,
      ],
    );
    return inserted(rows);
  }

  /** The texts of the conversation's turns, to redact them again. */
  async listTexts(
    tenantId: string,
    conversationId: string,
  ): Promise<{ id: string; text: string; redactedText: string | null }[]> {
    const rows: { id: string; text: string; redacted_text: string | null }[] = await this.uow.manager.query(
      `SELECT "id", "text", "redacted_text" FROM ${table('turns')}
       WHERE "tenant_id" = $1 AND "conversation_id" = $2`,
      [tenantId, conversationId],
    );
    return rows.map((r) => ({ id: r.id, text: r.text, redactedText: r.redacted_text }));
  }

  /** Writes new redacted texts, one statement for all the turns. */
  async updateRedactedTexts(
    tenantId: string,
    updates: readonly { id: string; redactedText: string }[],
  ): Promise<void> {
    if (updates.length === 0) return;
    await this.uow.manager.query(
      `UPDATE ${table('turns')} t SET "redacted_text" = u."redacted_text"
       FROM unnest($2::uuid[], $3::text[]) AS u("id", "redacted_text")
       WHERE t."id" = u."id" AND t."tenant_id" = $1`,
      [tenantId, updates.map((u) => u.id), updates.map((u) => u.redactedText)],
    );
  }

  /** The conversation's turns that sent `replyId` as a suggestion and wait for the reply to be judged. */
  async undecidedSuggestions(
    tenantId: string,
    conversationId: string,
    replyId: string,
  ): Promise<UndecidedSuggestion[]> {
    return this.uow.manager.query(
      `SELECT "id", "text" FROM ${table('turns')}
       WHERE "tenant_id" = $1 AND "conversation_id" = $2 AND "suggestion_reply_id" = $3
         AND "suggestion_disposition" IS NULL`,
      [tenantId, conversationId, replyId],
    );
  }

  async setSuggestionDisposition(
    tenantId: string,
    turnId: string,
    disposition: SuggestionDisposition,
  ): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${table('turns')} SET "suggestion_disposition" = $3 WHERE "tenant_id" = $1 AND "id" = $2`,
      [tenantId, turnId, disposition],
    );
  }

  async listByConversation(tenantId: string, conversationId: string): Promise<TurnEntity[]> {
    return this.uow.manager.find(TurnEntity, {
      where: { tenantId, conversationId },
      order: { sequence: 'ASC' },
    });
  }
}
