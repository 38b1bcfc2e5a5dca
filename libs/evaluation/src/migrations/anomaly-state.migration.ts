import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The anomaly detectors' state, so a restart of the evaluator keeps the baselines and the incidents in
 * progress: one row per detector and tenant (window values and times, bucket counts, incident level and last
 * alert time; no conversation or turn id), saved periodically and at shutdown, loaded at boot.
 */
export class EvaluatorAnomalyState1764000108700 implements MigrationInterface {
  readonly name = 'EvaluatorAnomalyState1764000108700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "evaluator"."anomaly_state" (
        "detector" varchar(64) NOT NULL,
        "tenant_id" varchar(128) NOT NULL,
        "state" jsonb NOT NULL,
        "saved_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("detector", "tenant_id")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "evaluator"."anomaly_state"`);
  }
}
