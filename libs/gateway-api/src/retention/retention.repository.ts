import { Injectable } from '@nestjs/common';
import { schemaOf, UnitOfWork } from '@lib/database';
import type { TenantView } from '../http/api-schemas';

interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
  retention_days: number | null;
}

const toTenant = (r: TenantRow): TenantView => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at.toISOString(),
  retentionDays: r.retention_days,
});

/** A conversation past its tenant's retention period. */
export interface ExpiredConversation {
  readonly conversationId: string;
  readonly tenantId: string;
  readonly tenantName: string;
  readonly retentionDays: number;
  /** The latest accepted turn, else the creation. */
  readonly lastActivityAt: string;
}

/** First key of the gateway's session advisory lock: one retention sweep at a time across instances. */
export const RETENTION_LOCK = [0x5e7d0, 1] as const;

/** Tenants' retention periods, and the conversations past them. Every query is in the gateway's schema. */
@Injectable()
export class RetentionRepository {
  private readonly schema: string;

  constructor(private readonly uow: UnitOfWork) {
    this.schema = schemaOf(uow.dataSource);
  }

  private table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  /** Every tenant with its retention period, by name (the admin listing). */
  async listTenants(): Promise<TenantView[]> {
    const rows: TenantRow[] = await this.uow.manager.query(
      `SELECT "id", "name", "created_at", "retention_days" FROM ${this.table('tenants')} ORDER BY "name"`,
    );
    return rows.map(toTenant);
  }

  async findTenant(id: string): Promise<TenantView | undefined> {
    const rows: TenantRow[] = await this.uow.manager.query(
      `SELECT "id", "name", "created_at", "retention_days" FROM ${this.table('tenants')} WHERE "id" = $1`,
      [id],
    );
    return rows[0] && toTenant(rows[0]);
  }

  /** Sets (or clears, with null) the tenant's retention period; undefined when there is no such tenant. */
  async setRetention(id: string, days: number | null): Promise<TenantView | undefined> {
    // node-postgres through TypeORM: an UPDATE ... RETURNING resolves to [rows, affected].
    const [rows]: [TenantRow[], number] = await this.uow.manager.query(
      `UPDATE ${this.table('tenants')} SET "retention_days" = $2 WHERE "id" = $1
       RETURNING "id", "name", "created_at", "retention_days"`,
      [id, days],
    );
    return rows[0] && toTenant(rows[0]);
  }

  /**
   * Conversations whose last activity (their latest accepted turn, else their creation) is older than their
   * tenant's retention period at `now`, oldest first, at most `limit`. Tenants without a period keep theirs.
   */
  async expired(now: Date, limit: number, tenantId?: string): Promise<ExpiredConversation[]> {
    const rows: {
      conversation_id: string;
      tenant_id: string;
      tenant_name: string;
      retention_days: number;
      last_activity_at: Date;
    }[] = await this.uow.manager.query(
      `SELECT c."id" AS "conversation_id", t."id" AS "tenant_id", t."name" AS "tenant_name",
              t."retention_days", activity."at" AS "last_activity_at"
       FROM ${this.table('tenants')} t
       JOIN ${this.table('conversations')} c ON c."tenant_id" = t."id"
       CROSS JOIN LATERAL (
         SELECT GREATEST(c."created_at", COALESCE((
           SELECT tu."created_at" FROM ${this.table('turns')} tu
           WHERE tu."conversation_id" = c."id" ORDER BY tu."sequence" DESC LIMIT 1), c."created_at")) AS "at"
       ) activity
       WHERE t."retention_days" IS NOT NULL
         AND ($3::uuid IS NULL OR t."id" = $3)
         AND activity."at" < $1::timestamptz - make_interval(days => t."retention_days")
       ORDER BY activity."at", c."id"
       LIMIT $2`,
      [now, limit, tenantId ?? null],
    );
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      tenantId: r.tenant_id,
      tenantName: r.tenant_name,
      retentionDays: r.retention_days,
      lastActivityAt: r.last_activity_at.toISOString(),
    }));
  }

  /**
   * Runs `work` holding the retention lock (a session advisory lock on a connection of its own), or returns
   * `undefined` at once when another sweep (another instance, the command) holds it.
   */
  async withSweepLock<T>(work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.uow.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.manager.query<{ locked: boolean }[]>(
        `SELECT pg_try_advisory_lock($1::int, $2::int) AS "locked"`,
        [...RETENTION_LOCK],
      );
      if (!locked) return undefined;
      try {
        return await work();
      } finally {
        await runner.manager.query(`SELECT pg_advisory_unlock($1::int, $2::int)`, [...RETENTION_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }
}
