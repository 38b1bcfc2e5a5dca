import type { UnitOfWork } from '@lib/database';

const TABLE = `"evaluator"."anomaly_state"`;

/** Rows per INSERT (a window-shift tenant state is a few kilobytes). */
const BATCH = 200;

/** One detector's state of one tenant (`state` holds no conversation or turn id). */
export interface AnomalyStateRow {
  readonly detector: string;
  readonly tenantId: string;
  readonly state: unknown;
}

/**
 * The anomaly detectors' saved state (`evaluator.anomaly_state`, one row per detector and tenant): saved
 * (upserted) periodically and at shutdown, loaded at boot. Outside the handlers' units of work.
 */
export class AnomalyStateRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Upserts every row, in one transaction. */
  async save(rows: readonly AnomalyStateRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.uow.run(async (manager) => {
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH).map((r) => ({ d: r.detector, t: r.tenantId, s: r.state }));
        await manager.query(
          `INSERT INTO ${TABLE} ("detector", "tenant_id", "state", "saved_at")
           SELECT e->>'d', e->>'t', e->'s', now() FROM jsonb_array_elements($1::jsonb) AS e
           ON CONFLICT ("detector", "tenant_id") DO UPDATE
             SET "state" = EXCLUDED."state", "saved_at" = EXCLUDED."saved_at"`,
          [JSON.stringify(batch)],
        );
      }
    });
  }

  /** Every saved row. */
  async load(): Promise<AnomalyStateRow[]> {
    const rows = await this.uow.manager.query<{ detector: string; tenant_id: string; state: unknown }[]>(
      `SELECT "detector", "tenant_id", "state" FROM ${TABLE} ORDER BY "detector", "tenant_id"`,
    );
    return rows.map((r) => ({ detector: r.detector, tenantId: r.tenant_id, state: r.state }));
  }
}
