import type { CrmChangeDiff, CrmChangeKind, CrmEntity, DealStage, ProspectRef } from '@lib/contracts';
import type { CrmActivityType } from '../crm.entities';
import type { CrmFieldValues } from '../proposals/crm-change.model';

export interface CrmContactRecord {
  readonly id: string;
  readonly accountId: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  readonly title: string | null;
  readonly phone: string | null;
}

export interface CrmAccountRecord {
  readonly id: string;
  readonly name: string;
  readonly domain: string | null;
  readonly industry: string | null;
  readonly employeeCount: number | null;
  readonly country: string | null;
  readonly description: string | null;
}

export interface CrmDealRecord {
  readonly id: string;
  readonly accountId: string;
  readonly contactId: string | null;
  readonly name: string;
  readonly stage: DealStage;
  readonly amount: number;
  readonly currency: string;
  /** YYYY-MM-DD */
  readonly closeDate: string | null;
}

export interface CrmActivityRecord {
  readonly id: string;
  readonly dealId: string | null;
  readonly type: CrmActivityType;
  readonly subject: string;
  readonly notes: string | null;
  readonly occurredAt: Date;
  readonly contactName: string | null;
}

export interface CrmTaskRecord {
  readonly id: string;
  readonly dealId: string | null;
  readonly subject: string;
  /** YYYY-MM-DD */
  readonly dueDate: string | null;
  readonly status: 'open' | 'done';
}

/** The prospect of a conversation: the contact (when known), the account and its open deals. */
export interface CrmProspect {
  readonly contact: CrmContactRecord | null;
  readonly account: CrmAccountRecord;
  /** Nearest close date first: the first one is "the deal" of the conversation. */
  readonly openDeals: readonly CrmDealRecord[];
}

export interface CrmAccountDetails {
  readonly account: CrmAccountRecord;
  readonly contacts: readonly CrmContactRecord[];
  readonly openDeals: readonly CrmDealRecord[];
  readonly recentActivities: readonly CrmActivityRecord[];
  readonly openTasks: readonly CrmTaskRecord[];
}

export interface CrmStageChange {
  readonly fromStage: DealStage | null;
  readonly toStage: DealStage;
  readonly changedAt: Date;
  readonly proposalId: string | null;
}

export interface CrmDealHistory {
  readonly deal: CrmDealRecord;
  readonly stageChanges: readonly CrmStageChange[];
  readonly activities: readonly CrmActivityRecord[];
}

/** Records a new activity or task hangs off, all of the tenant's. */
export interface CrmLinks {
  readonly accountId: string;
  readonly dealId: string | null;
  readonly contactId: string | null;
}

/** An approved change, to apply. `entityId` is the record to update, or the id of the record to create. */
export interface CrmChangeToApply {
  readonly proposalId: string;
  readonly kind: CrmChangeKind;
  readonly entity: CrmEntity;
  readonly entityId: string;
  readonly diff: CrmChangeDiff;
}

/**
 * The CRM behind the tools and the approval flow. The built-in implementation is PostgreSQL
 * (`PostgresCrmAdapter`); an external CRM (HubSpot, Salesforce, ...) replaces it by providing another
 * implementation of this class in `ToolRunnerModule` (see the README). Every method is scoped by the tenant
 * the caller passes (from the event envelope or the API key), never by anything the model wrote.
 */
export abstract class CrmAdapter {
  /** By CRM contact id, email, name (within the company), or the company alone (contact: null). */
  abstract findProspect(tenantId: string, ref: ProspectRef): Promise<CrmProspect | undefined>;
  abstract getAccount(tenantId: string, accountId: string): Promise<CrmAccountDetails | undefined>;
  abstract getDealHistory(tenantId: string, dealId: string): Promise<CrmDealHistory | undefined>;
  /** The updatable fields of a deal (name, stage, amount, closeDate) or contact (firstName, lastName, ...). */
  abstract currentValues(
    tenantId: string,
    entity: 'deal' | 'contact',
    entityId: string,
  ): Promise<CrmFieldValues | undefined>;
  /** Checks the given records are the tenant's and completes the account; undefined when one is not. */
  abstract resolveLinks(
    tenantId: string,
    links: { accountId?: string; dealId?: string; contactId?: string },
  ): Promise<CrmLinks | undefined>;
  /**
   * Applies an approved change. Must be idempotent per `proposalId` (creating the same record twice creates
   * it once). Runs inside the caller's unit of work when the CRM is in the same database.
   */
  abstract applyChange(tenantId: string, change: CrmChangeToApply): Promise<void>;
}
