import { Injectable } from '@nestjs/common';
import {
  ConversationSnapshot,
  deriveId,
  type ConversationMode,
  type ConversationSnapshotData,
  type DealStage,
  type ProspectRef,
} from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { EventPublisher } from '@lib/messaging';
import { PERSISTENCE_SCHEMA } from '../schema';

interface StateRow {
  status: 'pending' | 'active';
  mode: ConversationMode | null;
  prospect: ProspectRef | null;
  rep_id: string | null;
  stage: DealStage | null;
  turn_count: number;
  started_at: Date;
  updated_at: Date;
  fingerprint: string;
}

const S = `"${PERSISTENCE_SCHEMA}"`;

/**
 * One round trip: the conversation's state, its fingerprint (what makes a new snapshot: the state, not the
 * activity time, which moves with every event), and the fingerprint stored as the last published one when
 * it differs. A row comes back only when the state changed since the last snapshot.
 */
const CHANGED_STATE_SQL = `
  WITH state AS (
    SELECT "status", "mode", "prospect", "rep_id", "stage", "turn_count", "started_at", "updated_at",
           encode(sha256(convert_to(
             jsonb_build_array("status", "mode", "prospect", "rep_id", "stage", "turn_count")::text, 'UTF8'
           )), 'hex') AS "fingerprint"
    FROM ${S}."conversations" WHERE "id" = $1 AND "tenant_id" = $2
  ), stored AS (
    INSERT INTO ${S}."conversation_snapshots" ("conversation_id", "tenant_id", "fingerprint", "published_at")
    SELECT $1, $2, "fingerprint", now() FROM state
    ON CONFLICT ("conversation_id") DO UPDATE
      SET "fingerprint" = EXCLUDED."fingerprint", "published_at" = EXCLUDED."published_at"
      WHERE "conversation_snapshots"."fingerprint" <> EXCLUDED."fingerprint"
    RETURNING 1
  )
  SELECT state.* FROM state WHERE EXISTS (SELECT 1 FROM stored)`;

/**
 * Publishes `conversation.snapshot` (the compacted state topic, keyed by conversation id) when a
 * conversation's state changed: status, mode, prospect, rep, deal stage or turn count. Called by the recorder
 * after it saved the conversation, inside the same unit of work (the event goes through the outbox and
 * commits with the row). The fingerprint of the last published state is kept per conversation, so calling it
 * again with nothing changed publishes nothing, and the event id derives from the state (a redelivery that
 * recomputes the same state emits the same event).
 */
@Injectable()
export class ConversationSnapshots {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly publisher: EventPublisher,
  ) {}

  async publishIfChanged(tenantId: string, conversationId: string): Promise<boolean> {
    const rows: StateRow[] = await this.uow.manager.query(CHANGED_STATE_SQL, [conversationId, tenantId]);
    const row = rows[0];
    if (!row) return false;
    const data: ConversationSnapshotData = {
      conversationId,
      status: row.status,
      mode: row.mode,
      prospect: row.prospect,
      repId: row.rep_id,
      stage: row.stage,
      turnCount: row.turn_count,
      startedAt: row.started_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
    await this.publisher.publish(ConversationSnapshot, data, {
      tenantId,
      id: deriveId(ConversationSnapshot.type, conversationId, row.fingerprint),
      correlationId: conversationId,
    });
    return true;
  }
}
