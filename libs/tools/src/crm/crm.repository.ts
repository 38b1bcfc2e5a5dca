import { Injectable } from '@nestjs/common';
import { schemaOf, UnitOfWork } from '@lib/database';
import type { DealStage } from '@lib/contracts';
import type { CrmActivityType } from './crm.entities';

export interface CrmContact {
  readonly id: string;
  readonly accountId: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  readonly title: string | null;
  readonly phone: string | null;
}

export interface CrmAccount {
  readonly id: string;
  readonly name: string;
  readonly domain: string | null;
  readonly industry: string | null;
  readonly employeeCount: number | null;
  readonly country: string | null;
  readonly description: string | null;
}

export interface CrmDeal {
  readonly id: string;
  readonly name: string;
  readonly stage: DealStage;
  readonly amount: string;
  readonly currency: string;
  /** YYYY-MM-DD */
  readonly closeDate: string | null;
}

export interface CrmActivity {
  readonly id: string;
  readonly type: CrmActivityType;
  readonly subject: string;
  readonly notes: string | null;
  readonly occurredAt: Date;
  readonly contactName: string | null;
}

/** `%value%` for ILIKE, with the pattern characters of the value escaped. */
const contains = (value: string): string => `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const CONTACT_COLUMNS = `c."id", c."account_id" AS "accountId", c."first_name" AS "firstName",
  c."last_name" AS "lastName", c."email", c."title", c."phone"`;

const ACCOUNT_COLUMNS = `a."id", a."name", a."domain", a."industry", a."employee_count" AS "employeeCount",
  a."country", a."description"`;

/**
 * Read access to the built-in CRM. Every query is filtered by the tenant given by the caller (the tool
 * context, taken from the event envelope): no method can reach another tenant's rows.
 */
@Injectable()
export class CrmRepository {
  private readonly schema: string;

  constructor(private readonly uow: UnitOfWork) {
    this.schema = schemaOf(uow.dataSource);
  }

  private table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  async findContactByEmail(tenantId: string, email: string): Promise<CrmContact | undefined> {
    const rows: CrmContact[] = await this.uow.manager.query(
      `SELECT ${CONTACT_COLUMNS} FROM ${this.table('crm_contacts')} c
       WHERE c."tenant_id" = $1 AND lower(c."email") = lower($2)`,
      [tenantId, email],
    );
    return rows[0];
  }

  /** Best match by (partial) full name, optionally within accounts whose name or domain matches `company`. */
  async findContactByName(tenantId: string, name: string, company?: string): Promise<CrmContact | undefined> {
    const rows: CrmContact[] = await this.uow.manager.query(
      `SELECT ${CONTACT_COLUMNS} FROM ${this.table('crm_contacts')} c
       JOIN ${this.table('crm_accounts')} a ON a."tenant_id" = c."tenant_id" AND a."id" = c."account_id"
       WHERE c."tenant_id" = $1
         AND (c."first_name" || ' ' || c."last_name") ILIKE $2
         AND ($3::text IS NULL OR a."name" ILIKE $3 OR lower(a."domain") = lower($4))
       ORDER BY lower(c."first_name" || ' ' || c."last_name") = lower($5) DESC, c."last_name", c."id"
       LIMIT 1`,
      [tenantId, contains(name), company ? contains(company) : null, company ?? null, name],
    );
    return rows[0];
  }

  /** Best match by (partial) company name or exact domain: exact names first, then the shortest name. */
  async findAccountByCompany(tenantId: string, company: string): Promise<CrmAccount | undefined> {
    const rows: CrmAccount[] = await this.uow.manager.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM ${this.table('crm_accounts')} a
       WHERE a."tenant_id" = $1 AND (a."name" ILIKE $2 OR lower(a."domain") = lower($3))
       ORDER BY lower(a."name") = lower($3) DESC, length(a."name"), a."id"
       LIMIT 1`,
      [tenantId, contains(company), company],
    );
    return rows[0];
  }

  async findAccount(tenantId: string, accountId: string): Promise<CrmAccount | undefined> {
    const rows: CrmAccount[] = await this.uow.manager.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM ${this.table('crm_accounts')} a WHERE a."tenant_id" = $1 AND a."id" = $2`,
      [tenantId, accountId],
    );
    return rows[0];
  }

  /** Deals not closed (won or lost), the nearest close date first. */
  async openDeals(tenantId: string, accountId: string): Promise<CrmDeal[]> {
    return this.uow.manager.query(
      `SELECT d."id", d."name", d."stage", d."amount"::text AS "amount", d."currency",
              to_char(d."close_date", 'YYYY-MM-DD') AS "closeDate"
       FROM ${this.table('crm_deals')} d
       WHERE d."tenant_id" = $1 AND d."account_id" = $2 AND d."stage" NOT IN ('closed_won', 'closed_lost')
       ORDER BY d."close_date" NULLS LAST, d."id"`,
      [tenantId, accountId],
    );
  }

  async recentActivities(tenantId: string, accountId: string, limit: number): Promise<CrmActivity[]> {
    return this.uow.manager.query(
      `SELECT v."id", v."type", v."subject", v."notes", v."occurred_at" AS "occurredAt",
              CASE WHEN c."id" IS NULL THEN NULL ELSE c."first_name" || ' ' || c."last_name" END AS "contactName"
       FROM ${this.table('crm_activities')} v
       LEFT JOIN ${this.table('crm_contacts')} c ON c."tenant_id" = v."tenant_id" AND c."id" = v."contact_id"
       WHERE v."tenant_id" = $1 AND v."account_id" = $2
       ORDER BY v."occurred_at" DESC, v."id"
       LIMIT $3`,
      [tenantId, accountId, limit],
    );
  }
}
