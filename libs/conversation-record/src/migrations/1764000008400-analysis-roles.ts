import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

const s = `"${PERSISTENCE_SCHEMA}"`;

/** The tables that get the role of the analysed turn. */
const TABLES = ['analyses', 'analysis_intents', 'analysis_entities', 'analysis_objections'] as const;

/**
 * The role of the analysed turn (`prospect` or `rep`) on every analysis and its fact rows, so the analytics
 * count what prospects said: in assist mode the rep's own turns are analysed too, and their intents,
 * objections and sentiment are not the prospect's. NULL while the turn is not stored (an analysis that
 * arrived first); the record sets it when the turn arrives. Stored rows are backfilled from `turns`.
 *
 * The covering indexes of the sentiment trend and the intent frequencies get the column last, so those
 * queries still read the index alone.
 */
export class AnalysisRoles1764000008400 implements MigrationInterface {
  readonly name = 'AnalysisRoles1764000008400';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${s}."${table}" ADD "role" varchar(16)`);
      await q.query(
        `UPDATE ${s}."${table}" x SET "role" = t."role"
         FROM ${s}."turns" t WHERE t."id" = x."turn_id" AND t."tenant_id" = x."tenant_id"`,
      );
    }
    await q.query(`DROP INDEX ${s}."analyses_tenant_completed_sentiment_idx"`);
    await q.query(
      `CREATE INDEX "analyses_tenant_completed_sentiment_idx" ON ${s}."analyses"
         ("tenant_id", "completed_at", "sentiment_label", "sentiment_score", "conversation_id", "role")`,
    );
    await q.query(`DROP INDEX ${s}."analysis_intents_tenant_occurred_intent_idx"`);
    await q.query(
      `CREATE INDEX "analysis_intents_tenant_occurred_intent_idx" ON ${s}."analysis_intents"
         ("tenant_id", "occurred_at", "intent", "conversation_id", "role")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${s}."analysis_intents_tenant_occurred_intent_idx"`);
    await q.query(
      `CREATE INDEX "analysis_intents_tenant_occurred_intent_idx" ON ${s}."analysis_intents"
         ("tenant_id", "occurred_at", "intent", "conversation_id")`,
    );
    await q.query(`DROP INDEX ${s}."analyses_tenant_completed_sentiment_idx"`);
    await q.query(
      `CREATE INDEX "analyses_tenant_completed_sentiment_idx" ON ${s}."analyses"
         ("tenant_id", "completed_at", "sentiment_label", "sentiment_score", "conversation_id")`,
    );
    for (const table of [...TABLES].reverse())
      await q.query(`ALTER TABLE ${s}."${table}" DROP COLUMN "role"`);
  }
}
