import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import type { TurnRole } from '@lib/contracts';

export type SuggestionDisposition = 'accepted' | 'edited';

@Entity({ name: 'turns' })
@Check('turns_suggestion_disposition_check', `"suggestion_disposition" IN ('accepted', 'edited')`)
@Unique('turns_conversation_sequence_key', ['conversationId', 'sequence'])
@Index('turns_tenant_conversation_idx', ['tenantId', 'conversationId'])
// By time, covering the rep table's columns (migration 1764000006800).
@Index('turns_tenant_received_idx', [
  'tenantId',
  'receivedAt',
  'conversationId',
  'role',
  'wordCount',
  'suggestionDisposition',
])
// GIN index on to_tsvector('english', coalesce(redacted_text, text)), created by the migration (an expression
// index TypeORM cannot describe): the schema builder must leave it alone.
@Index('turns_text_search_idx', { synchronize: false })
export class TurnEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'turns_pkey' })
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ name: 'sequence', type: 'integer' })
  sequence!: number;

  @Column({ name: 'role', type: 'varchar', length: 16 })
  role!: TurnRole;

  /** Raw text: this is the restricted system of record, never logged. */
  @Column({ name: 'text', type: 'text' })
  text!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** The text with PII (emails, phones, card numbers, known names) replaced; what analytics and search show. */
  @Column({ name: 'redacted_text', type: 'text', nullable: true })
  redactedText!: string | null;

  /** Estimated tokens of the text. */
  @Column({ name: 'token_count', type: 'integer', nullable: true })
  tokenCount!: number | null;

  /** Words of the text: the talk ratio of rep and prospect. */
  @Column({ name: 'word_count', type: 'integer', nullable: true })
  wordCount!: number | null;

  /** A rep's turn that sent an AI suggestion (assist mode): the suggested reply. */
  @Column({ name: 'suggestion_reply_id', type: 'uuid', nullable: true })
  suggestionReplyId!: string | null;

  /** `accepted` when sent as suggested, `edited` when the rep changed it. */
  @Column({ name: 'suggestion_disposition', type: 'varchar', length: 16, nullable: true })
  suggestionDisposition!: SuggestionDisposition | null;

  /** W3C trace id of the turn (from the `turn.received` envelope's `traceparent`); null when it had none. */
  @Column({ name: 'trace_id', type: 'varchar', length: 32, nullable: true })
  traceId?: string | null;
}
