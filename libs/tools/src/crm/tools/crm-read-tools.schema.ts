import { z } from 'zod';
import { DealStage } from '@lib/contracts';
import { defineToolSpec } from '../../registry/tool';
import {
  CrmAccountResult,
  CrmActivityResult,
  CrmContactResult,
  CrmDealResult,
} from '../crm-lookup-prospect.schema';

export const CrmTaskResult = z.object({
  id: z.string(),
  dealId: z.string().nullable(),
  subject: z.string(),
  dueDate: z.iso.date().nullable(),
  status: z.enum(['open', 'done']),
});

export const CrmGetAccountArguments = z.strictObject({
  accountId: z.uuid().describe("The account's id (from crm_lookup_prospect)"),
});

export const CrmGetAccountResult = z.object({
  found: z.boolean(),
  account: CrmAccountResult.nullable(),
  contacts: z.array(CrmContactResult),
  openDeals: z.array(CrmDealResult),
  recentActivities: z.array(CrmActivityResult).describe('The 10 most recent activities, newest first'),
  openTasks: z.array(CrmTaskResult),
  truncated: z.boolean().optional(),
});
export type CrmGetAccountResult = z.infer<typeof CrmGetAccountResult>;

export const CrmGetAccountSpec = defineToolSpec({
  name: 'crm_get_account',
  version: '1',
  description:
    'Gets an account with its contacts, open deals, 10 most recent activities and open tasks. Returns ' +
    'found=false for an unknown id. Read-only.',
  arguments: CrmGetAccountArguments,
  result: CrmGetAccountResult,
});

export const CrmGetDealHistoryArguments = z.strictObject({
  dealId: z.uuid().describe("The deal's id (from crm_lookup_prospect or crm_get_account)"),
});

export const CrmGetDealHistoryResult = z.object({
  found: z.boolean(),
  deal: CrmDealResult.nullable(),
  stageChanges: z
    .array(
      z.object({ from: DealStage.nullable(), to: DealStage, changedAt: z.iso.datetime({ offset: true }) }),
    )
    .describe('Oldest first'),
  activities: z.array(CrmActivityResult).describe('Newest first'),
  truncated: z.boolean().optional(),
});
export type CrmGetDealHistoryResult = z.infer<typeof CrmGetDealHistoryResult>;

export const CrmGetDealHistorySpec = defineToolSpec({
  name: 'crm_get_deal_history',
  version: '1',
  description:
    'Gets a deal (open or closed) with its stage changes and its activities. Returns found=false for an ' +
    'unknown id. Read-only.',
  arguments: CrmGetDealHistoryArguments,
  result: CrmGetDealHistoryResult,
});
