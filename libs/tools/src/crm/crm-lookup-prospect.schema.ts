import { z } from 'zod';
import { DealStage } from '@lib/contracts';
import { defineToolSpec } from '../registry/tool';

export const CrmLookupProspectArguments = z
  .strictObject({
    email: z.email().max(320).optional().describe("The prospect's email address (the most precise key)"),
    name: z.string().trim().min(1).max(200).optional().describe("The prospect's full or partial name"),
    company: z.string().trim().min(1).max(200).optional().describe("The prospect's company name or domain"),
  })
  .refine((a) => a.email !== undefined || a.name !== undefined || a.company !== undefined, {
    message: 'at least one of email, name, company is required',
  });
export type CrmLookupProspectArguments = z.infer<typeof CrmLookupProspectArguments>;

export const CrmContactResult = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  title: z.string().nullable(),
  phone: z.string().nullable(),
});

export const CrmAccountResult = z.object({
  id: z.string(),
  name: z.string(),
  domain: z.string().nullable(),
  industry: z.string().nullable(),
  employeeCount: z.int().nullable(),
  country: z.string().nullable(),
  description: z.string().nullable(),
});

export const CrmDealResult = z.object({
  id: z.string(),
  name: z.string(),
  stage: DealStage,
  amount: z.number(),
  currency: z.string(),
  closeDate: z.iso.date().nullable(),
});

export const CrmActivityResult = z.object({
  id: z.string(),
  type: z.enum(['call', 'email', 'meeting', 'note']),
  subject: z.string(),
  notes: z.string().nullable(),
  occurredAt: z.iso.datetime({ offset: true }),
  contactName: z.string().nullable(),
});

export const CrmLookupProspectResult = z.object({
  found: z.boolean(),
  /** The matched contact; null when only the company matched. */
  contact: CrmContactResult.nullable(),
  account: CrmAccountResult.nullable(),
  openDeals: z.array(CrmDealResult),
  recentActivities: z.array(CrmActivityResult).describe('The 5 most recent activities, newest first'),
  truncated: z.boolean().optional(),
});
export type CrmLookupProspectResult = z.infer<typeof CrmLookupProspectResult>;

export const CrmLookupProspectSpec = defineToolSpec({
  name: 'crm_lookup_prospect',
  version: '1',
  description:
    'Looks up the prospect in the CRM by email, name and/or company (at least one) and returns the contact, ' +
    'their account, the open deals and the 5 most recent activities. Returns found=false when nothing ' +
    'matches. Read-only.',
  arguments: CrmLookupProspectArguments,
  result: CrmLookupProspectResult,
});
