import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/**
 * Indexes for the analytics API, sized on 100,000 seeded conversations (`npm run bench:analytics`):
 *
 * - Covering (tenant, time, ...) indexes replace the plain (tenant, time) ones of the fact tables whose rows
 *   are wide or read in bulk, so the sentiment trend, the intent frequencies, the funnel and the rep table
 *   read the index alone (index-only scans) instead of the analyses' and replies' jsonb-heavy rows. The
 *   leading columns are the same, so every query the old indexes served is served as before.
 * - Turns get a (tenant, received_at) index (they had none by time) covering the rep table's columns: role,
 *   word count and suggestion disposition per conversation.
 */
export class AnalyticsIndexes1764000006800 implements MigrationInterface {
  readonly name = 'AnalyticsIndexes1764000006800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "analyses_tenant_completed_sentiment_idx" ON ${s}."analyses"
         ("tenant_id", "completed_at", "sentiment_label", "sentiment_score", "conversation_id")`,
    );
    await q.query(`DROP INDEX ${s}."analyses_tenant_completed_idx"`);
    await q.query(
      `CREATE INDEX "analysis_intents_tenant_occurred_intent_idx" ON ${s}."analysis_intents"
         ("tenant_id", "occurred_at", "intent", "conversation_id")`,
    );
    await q.query(`DROP INDEX ${s}."analysis_intents_tenant_occurred_idx"`);
    await q.query(
      `CREATE INDEX "replies_tenant_generated_kind_idx" ON ${s}."replies"
         ("tenant_id", "generated_at", "kind", "conversation_id")`,
    );
    await q.query(`DROP INDEX ${s}."replies_tenant_generated_idx"`);
    await q.query(
      `CREATE INDEX "stage_transitions_tenant_occurred_stages_idx" ON ${s}."stage_transitions"
         ("tenant_id", "occurred_at", "conversation_id", "from_stage", "to_stage")`,
    );
    await q.query(`DROP INDEX ${s}."stage_transitions_tenant_occurred_idx"`);
    await q.query(
      `CREATE INDEX "turns_tenant_received_idx" ON ${s}."turns"
         ("tenant_id", "received_at", "conversation_id", "role", "word_count", "suggestion_disposition")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${s}."turns_tenant_received_idx"`);
    await q.query(
      `CREATE INDEX "stage_transitions_tenant_occurred_idx" ON ${s}."stage_transitions" ("tenant_id", "occurred_at")`,
    );
    await q.query(`DROP INDEX ${s}."stage_transitions_tenant_occurred_stages_idx"`);
    await q.query(
      `CREATE INDEX "replies_tenant_generated_idx" ON ${s}."replies" ("tenant_id", "generated_at")`,
    );
    await q.query(`DROP INDEX ${s}."replies_tenant_generated_kind_idx"`);
    await q.query(
      `CREATE INDEX "analysis_intents_tenant_occurred_idx" ON ${s}."analysis_intents" ("tenant_id", "occurred_at")`,
    );
    await q.query(`DROP INDEX ${s}."analysis_intents_tenant_occurred_intent_idx"`);
    await q.query(
      `CREATE INDEX "analyses_tenant_completed_idx" ON ${s}."analyses" ("tenant_id", "completed_at")`,
    );
    await q.query(`DROP INDEX ${s}."analyses_tenant_completed_sentiment_idx"`);
  }
}
