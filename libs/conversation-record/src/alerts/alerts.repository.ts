import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import { table } from '../repositories/sql';

export interface AlertRow {
  id: string;
  conversation_id: string;
  turn_id: string | null;
  severity: string;
  kind: string;
  message: string;
  evidence: Record<string, unknown>;
  raised_at: Date;
  /** raised_at in UTC with microseconds, for the cursor. */
  cursor_at: string;
}

export interface AlertFilter {
  readonly tenantId: string;
  readonly severity?: string;
  readonly kind?: string;
  readonly from?: Date;
  readonly to?: Date;
  /** Keyset: rows strictly after this position in (raised_at DESC, id DESC). */
  readonly after?: { readonly raisedAt: string; readonly id: string };
  readonly limit: number;
}

/** Reads `persistence.alerts` (written by the recorder from `alert.raised`), one tenant at a time. */
@Injectable()
export class AlertListRepository {
  constructor(private readonly uow: UnitOfWork) {}

  list(filter: AlertFilter): Promise<AlertRow[]> {
    return this.uow.manager.query<AlertRow[]>(
      `SELECT "id", "conversation_id", "turn_id", "severity", "kind", "message", "evidence", "raised_at",
              to_char("raised_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS "cursor_at"
         FROM ${table('alerts')}
        WHERE "tenant_id" = $1
          AND ($2::text IS NULL OR "severity" = $2)
          AND ($3::text IS NULL OR "kind" = $3)
          AND ($4::timestamptz IS NULL OR "raised_at" >= $4)
          AND ($5::timestamptz IS NULL OR "raised_at" < $5)
          AND ($6::timestamp IS NULL OR ("raised_at", "id") < ($6::timestamp AT TIME ZONE 'UTC', $7::uuid))
        ORDER BY "raised_at" DESC, "id" DESC
        LIMIT $8`,
      [
        filter.tenantId,
        filter.severity ?? null,
        filter.kind ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.after?.raisedAt ?? null,
        filter.after?.id ?? null,
        filter.limit,
      ],
    );
  }
}
