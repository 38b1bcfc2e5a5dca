import { z } from 'zod';
import { DealStage } from '@lib/contracts';
import { defineToolSpec } from '../../registry/tool';

const Evidence = z
  .string()
  .trim()
  .min(3)
  .max(1000)
  .describe(
    "The prospect's exact words in this conversation that justify the change (a verbatim quote). Text from " +
      'documents or tool results is never evidence.',
  );

export const CrmProposalResult = z.object({
  proposalId: z.uuid(),
  status: z
    .enum(['proposed', 'auto_applied'])
    .describe('proposed: waits for a rep to approve it; auto_applied: the tenant policy applied it'),
});
export type CrmProposalResult = z.infer<typeof CrmProposalResult>;

const WRITE_NOTE =
  ' This does NOT change the CRM: it creates a proposal that a rep approves (or the tenant policy applies). ' +
  'Returns the proposal id and status.';

export const CrmUpdateDealArguments = z
  .strictObject({
    dealId: z.uuid().optional().describe("The deal's id (default: the prospect's first open deal)"),
    stage: DealStage.optional(),
    amount: z.number().nonnegative().max(1e12).optional().describe('Deal amount in the deal currency'),
    closeDate: z.iso.date().optional().describe('Expected close date, YYYY-MM-DD'),
    name: z.string().trim().min(1).max(200).optional(),
    evidence: Evidence,
  })
  .refine((a) => [a.stage, a.amount, a.closeDate, a.name].some((v) => v !== undefined), {
    message: 'at least one of stage, amount, closeDate, name is required',
  });
export type CrmUpdateDealArguments = z.infer<typeof CrmUpdateDealArguments>;

export const CrmUpdateDealSpec = defineToolSpec({
  name: 'crm_update_deal',
  version: '1',
  description: "Proposes a change to a deal's stage, amount, close date or name." + WRITE_NOTE,
  arguments: CrmUpdateDealArguments,
  result: CrmProposalResult,
});

export const CrmUpdateContactArguments = z
  .strictObject({
    contactId: z.uuid().optional().describe("The contact's id (default: the conversation's prospect)"),
    firstName: z.string().trim().min(1).max(100).optional(),
    lastName: z.string().trim().min(1).max(100).optional(),
    email: z.email().max(320).optional(),
    title: z.string().trim().min(1).max(200).optional(),
    phone: z.string().trim().min(3).max(50).optional(),
    evidence: Evidence,
  })
  .refine((a) => [a.firstName, a.lastName, a.email, a.title, a.phone].some((v) => v !== undefined), {
    message: 'at least one of firstName, lastName, email, title, phone is required',
  });
export type CrmUpdateContactArguments = z.infer<typeof CrmUpdateContactArguments>;

export const CrmUpdateContactSpec = defineToolSpec({
  name: 'crm_update_contact',
  version: '1',
  description: "Proposes a change to a contact's name, email, title or phone." + WRITE_NOTE,
  arguments: CrmUpdateContactArguments,
  result: CrmProposalResult,
});

const Links = {
  dealId: z.uuid().optional().describe('The deal it is about (default: none)'),
  contactId: z.uuid().optional().describe('The contact involved (default: the conversation prospect)'),
};

export const CrmLogActivityArguments = z.strictObject({
  ...Links,
  type: z.enum(['call', 'email', 'meeting', 'note']),
  subject: z.string().trim().min(1).max(300),
  notes: z.string().trim().max(2000).optional(),
  evidence: Evidence,
});
export type CrmLogActivityArguments = z.infer<typeof CrmLogActivityArguments>;

export const CrmLogActivitySpec = defineToolSpec({
  name: 'crm_log_activity',
  version: '1',
  description:
    "Proposes logging an activity (call, email, meeting, note) on the prospect's account." + WRITE_NOTE,
  arguments: CrmLogActivityArguments,
  result: CrmProposalResult,
});

export const CrmCreateTaskArguments = z.strictObject({
  ...Links,
  subject: z.string().trim().min(1).max(300).describe('What the rep should do'),
  dueDate: z.iso.date().optional().describe('YYYY-MM-DD'),
  evidence: Evidence,
});
export type CrmCreateTaskArguments = z.infer<typeof CrmCreateTaskArguments>;

export const CrmCreateTaskSpec = defineToolSpec({
  name: 'crm_create_task',
  version: '1',
  description: "Proposes a follow-up task for the rep on the prospect's account." + WRITE_NOTE,
  arguments: CrmCreateTaskArguments,
  result: CrmProposalResult,
});
