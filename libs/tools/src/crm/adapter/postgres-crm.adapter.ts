import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { DealStage, deriveId, type ProspectRef } from '@lib/contracts';
import { schemaOf, UnitOfWork } from '@lib/database';
import { CrmRepository } from '../crm.repository';
import type { CrmFieldValues } from '../proposals/crm-change.model';
import {
  CrmAdapter,
  type CrmAccountDetails,
  type CrmAccountRecord,
  type CrmActivityRecord,
  type CrmChangeToApply,
  type CrmContactRecord,
  type CrmDealHistory,
  type CrmDealRecord,
  type CrmLinks,
  type CrmProspect,
  type CrmStageChange,
  type CrmTaskRecord,
} from './crm-adapter';

const UUID = z.uuid();
const isUuid = (value: string | undefined): value is string => UUID.safeParse(value).success;

/** What an approved change may write, checked again at apply time (the proposal is data from a model). */
const DealUpdate = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  stage: DealStage.optional(),
  amount: z.number().nonnegative().max(1e12).optional(),
  closeDate: z.iso.date().nullable().optional(),
});
const ContactUpdate = z.strictObject({
  firstName: z.string().trim().min(1).max(100).optional(),
  lastName: z.string().trim().min(1).max(100).optional(),
  email: z.email().max(320).nullable().optional(),
  title: z.string().max(200).nullable().optional(),
  phone: z.string().max(50).nullable().optional(),
});
const NewActivity = z.strictObject({
  accountId: z.uuid(),
  dealId: z.uuid().nullable().optional(),
  contactId: z.uuid().nullable().optional(),
  type: z.enum(['call', 'email', 'meeting', 'note']),
  subject: z.string().min(1).max(300),
  notes: z.string().max(5000).nullable().optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});
const NewTask = z.strictObject({
  accountId: z.uuid(),
  dealId: z.uuid().nullable().optional(),
  contactId: z.uuid().nullable().optional(),
  subject: z.string().min(1).max(300),
  dueDate: z.iso.date().nullable().optional(),
});

const COLUMNS: Record<string, string> = {
  name: 'name',
  stage: 'stage',
  amount: 'amount',
  closeDate: 'close_date',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  title: 'title',
  phone: 'phone',
};

const DEAL_COLUMNS = `d."id", d."account_id" AS "accountId", d."contact_id" AS "contactId", d."name", d."stage",
  d."amount"::float8 AS "amount", d."currency", to_char(d."close_date", 'YYYY-MM-DD') AS "closeDate"`;
const CONTACT_COLUMNS = `c."id", c."account_id" AS "accountId", c."first_name" AS "firstName",
  c."last_name" AS "lastName", c."email", c."title", c."phone"`;
const ACTIVITY_COLUMNS = `v."id", v."deal_id" AS "dealId", v."type", v."subject", v."notes",
  v."occurred_at" AS "occurredAt",
  CASE WHEN c."id" IS NULL THEN NULL ELSE c."first_name" || ' ' || c."last_name" END AS "contactName"`;

const RECENT_ACTIVITIES = 10;

/** The built-in CRM in the tool-runner's PostgreSQL schema. Every query filters on the caller's tenant. */
@Injectable()
export class PostgresCrmAdapter extends CrmAdapter {
  private readonly schema: string;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly crm: CrmRepository,
  ) {
    super();
    this.schema = schemaOf(uow.dataSource);
  }

  private table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  async findProspect(tenantId: string, ref: ProspectRef): Promise<CrmProspect | undefined> {
    let contact: CrmContactRecord | undefined;
    if (isUuid(ref.crmContactId)) contact = await this.contact(tenantId, ref.crmContactId);
    if (!contact && ref.email) contact = await this.crm.findContactByEmail(tenantId, ref.email);
    if (!contact && ref.name) contact = await this.crm.findContactByName(tenantId, ref.name, ref.company);
    let account: CrmAccountRecord | undefined;
    if (contact) account = await this.crm.findAccount(tenantId, contact.accountId);
    else if (ref.company) account = await this.crm.findAccountByCompany(tenantId, ref.company);
    if (!account) return undefined;
    return { contact: contact ?? null, account, openDeals: await this.openDeals(tenantId, account.id) };
  }

  async getAccount(tenantId: string, accountId: string): Promise<CrmAccountDetails | undefined> {
    if (!isUuid(accountId)) return undefined;
    const account = await this.crm.findAccount(tenantId, accountId);
    if (!account) return undefined;
    const contacts: CrmContactRecord[] = await this.uow.manager.query(
      `SELECT ${CONTACT_COLUMNS} FROM ${this.table('crm_contacts')} c
       WHERE c."tenant_id" = $1 AND c."account_id" = $2 ORDER BY c."last_name", c."first_name", c."id"`,
      [tenantId, accountId],
    );
    const recentActivities = await this.activities(
      tenantId,
      'v."account_id" = $2',
      accountId,
      RECENT_ACTIVITIES,
    );
    const openTasks: CrmTaskRecord[] = await this.uow.manager.query(
      `SELECT t."id", t."deal_id" AS "dealId", t."subject", to_char(t."due_date", 'YYYY-MM-DD') AS "dueDate",
              t."status"
       FROM ${this.table('crm_tasks')} t
       WHERE t."tenant_id" = $1 AND t."account_id" = $2 AND t."status" = 'open'
       ORDER BY t."due_date" NULLS LAST, t."created_at", t."id"`,
      [tenantId, accountId],
    );
    return {
      account,
      contacts,
      openDeals: await this.openDeals(tenantId, accountId),
      recentActivities,
      openTasks,
    };
  }

  async getDealHistory(tenantId: string, dealId: string): Promise<CrmDealHistory | undefined> {
    const deal = await this.deal(tenantId, dealId);
    if (!deal) return undefined;
    const stageChanges: CrmStageChange[] = await this.uow.manager.query(
      `SELECT h."from_stage" AS "fromStage", h."to_stage" AS "toStage", h."changed_at" AS "changedAt",
              h."proposal_id" AS "proposalId"
       FROM ${this.table('crm_deal_stage_history')} h
       WHERE h."tenant_id" = $1 AND h."deal_id" = $2 ORDER BY h."changed_at", h."id"`,
      [tenantId, dealId],
    );
    const activities = await this.activities(tenantId, 'v."deal_id" = $2', dealId, 50);
    return { deal, stageChanges, activities };
  }

  async currentValues(
    tenantId: string,
    entity: 'deal' | 'contact',
    entityId: string,
  ): Promise<CrmFieldValues | undefined> {
    if (entity === 'deal') {
      const deal = await this.deal(tenantId, entityId);
      return deal && { name: deal.name, stage: deal.stage, amount: deal.amount, closeDate: deal.closeDate };
    }
    const contact = await this.contact(tenantId, entityId);
    return (
      contact && {
        firstName: contact.firstName,
        lastName: contact.lastName,
        email: contact.email,
        title: contact.title,
        phone: contact.phone,
      }
    );
  }

  async resolveLinks(
    tenantId: string,
    links: { accountId?: string; dealId?: string; contactId?: string },
  ): Promise<CrmLinks | undefined> {
    const deal = links.dealId === undefined ? undefined : await this.deal(tenantId, links.dealId);
    if (links.dealId !== undefined && !deal) return undefined;
    const contact = links.contactId === undefined ? undefined : await this.contact(tenantId, links.contactId);
    if (links.contactId !== undefined && !contact) return undefined;
    const accountId = links.accountId ?? deal?.accountId ?? contact?.accountId;
    if (!accountId || !isUuid(accountId) || !(await this.crm.findAccount(tenantId, accountId)))
      return undefined;
    // Everything must hang off the same account.
    if ((deal && deal.accountId !== accountId) || (contact && contact.accountId !== accountId))
      return undefined;
    return { accountId, dealId: deal?.id ?? null, contactId: contact?.id ?? null };
  }

  async applyChange(tenantId: string, change: CrmChangeToApply): Promise<void> {
    const to = Object.fromEntries(Object.entries(change.diff).map(([field, c]) => [field, c.to]));
    switch (change.kind) {
      case 'update_deal': {
        const values = DealUpdate.parse(to);
        const before = await this.deal(tenantId, change.entityId);
        if (!before) throw new Error(`deal ${change.entityId} not found`);
        await this.update(tenantId, 'crm_deals', change.entityId, values);
        if (values.stage !== undefined && values.stage !== before.stage) {
          await this.uow.manager.query(
            `INSERT INTO ${this.table('crm_deal_stage_history')}
               ("id", "tenant_id", "deal_id", "from_stage", "to_stage", "proposal_id")
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ("id") DO NOTHING`,
            [
              deriveId(change.proposalId, 'stage'),
              tenantId,
              change.entityId,
              before.stage,
              values.stage,
              change.proposalId,
            ],
          );
        }
        return;
      }
      case 'update_contact':
        await this.update(tenantId, 'crm_contacts', change.entityId, ContactUpdate.parse(to));
        return;
      case 'log_activity': {
        const a = NewActivity.parse(to);
        await this.uow.manager.query(
          `INSERT INTO ${this.table('crm_activities')}
             ("id", "tenant_id", "account_id", "deal_id", "contact_id", "type", "subject", "notes", "occurred_at")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT ("id") DO NOTHING`,
          [
            change.entityId,
            tenantId,
            a.accountId,
            a.dealId ?? null,
            a.contactId ?? null,
            a.type,
            a.subject,
            a.notes ?? null,
            a.occurredAt,
          ],
        );
        return;
      }
      case 'create_task': {
        const t = NewTask.parse(to);
        await this.uow.manager.query(
          `INSERT INTO ${this.table('crm_tasks')}
             ("id", "tenant_id", "account_id", "deal_id", "contact_id", "subject", "due_date")
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("id") DO NOTHING`,
          [
            change.entityId,
            tenantId,
            t.accountId,
            t.dealId ?? null,
            t.contactId ?? null,
            t.subject,
            t.dueDate ?? null,
          ],
        );
        return;
      }
    }
  }

  private async update(
    tenantId: string,
    table: 'crm_deals' | 'crm_contacts',
    id: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    const entries = Object.entries(values).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    const sets = entries.map(([field], i) => `"${COLUMNS[field]}" = $${i + 3}`);
    if (table === 'crm_deals') sets.push(`"updated_at" = now()`);
    // node-postgres through TypeORM answers an UPDATE with [rows, affected row count].
    const [, affected] = await this.uow.manager.query<[unknown, number]>(
      `UPDATE ${this.table(table)} SET ${sets.join(', ')} WHERE "tenant_id" = $1 AND "id" = $2`,
      [tenantId, id, ...entries.map(([, v]) => v)],
    );
    if (affected !== 1) throw new Error(`${table} ${id} not found`);
  }

  private async deal(tenantId: string, dealId: string): Promise<CrmDealRecord | undefined> {
    if (!isUuid(dealId)) return undefined;
    const rows: CrmDealRecord[] = await this.uow.manager.query(
      `SELECT ${DEAL_COLUMNS} FROM ${this.table('crm_deals')} d WHERE d."tenant_id" = $1 AND d."id" = $2`,
      [tenantId, dealId],
    );
    return rows[0];
  }

  private async contact(tenantId: string, contactId: string): Promise<CrmContactRecord | undefined> {
    if (!isUuid(contactId)) return undefined;
    const rows: CrmContactRecord[] = await this.uow.manager.query(
      `SELECT ${CONTACT_COLUMNS} FROM ${this.table('crm_contacts')} c WHERE c."tenant_id" = $1 AND c."id" = $2`,
      [tenantId, contactId],
    );
    return rows[0];
  }

  /** Same order as `crm_lookup_prospect`: nearest close date first. */
  private openDeals(tenantId: string, accountId: string): Promise<CrmDealRecord[]> {
    return this.uow.manager.query(
      `SELECT ${DEAL_COLUMNS} FROM ${this.table('crm_deals')} d
       WHERE d."tenant_id" = $1 AND d."account_id" = $2 AND d."stage" NOT IN ('closed_won', 'closed_lost')
       ORDER BY d."close_date" NULLS LAST, d."id"`,
      [tenantId, accountId],
    );
  }

  private activities(
    tenantId: string,
    where: string,
    value: string,
    limit: number,
  ): Promise<CrmActivityRecord[]> {
    return this.uow.manager.query(
      `SELECT ${ACTIVITY_COLUMNS} FROM ${this.table('crm_activities')} v
       LEFT JOIN ${this.table('crm_contacts')} c ON c."tenant_id" = v."tenant_id" AND c."id" = v."contact_id"
       WHERE v."tenant_id" = $1 AND ${where}
       ORDER BY v."occurred_at" DESC, v."id" LIMIT $3`,
      [tenantId, value, limit],
    );
  }
}
