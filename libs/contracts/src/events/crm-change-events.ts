import { z } from 'zod';
import { Id, IsoTime } from '../common';
import { defineEvent, eventType } from '../event-definition';
import { Topics } from '../topics';

/** The CRM record a change is about. `task` and `activity` changes create a new record. */
export const CrmEntity = z.enum(['deal', 'contact', 'account', 'task', 'activity']);
export type CrmEntity = z.infer<typeof CrmEntity>;

export const CrmChangeKind = z.enum(['update_deal', 'log_activity', 'create_task', 'update_contact']);
export type CrmChangeKind = z.infer<typeof CrmChangeKind>;

export const CrmFieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type CrmFieldValue = z.infer<typeof CrmFieldValue>;

/** Field by field: the value the CRM had when the change was proposed, and the proposed value. */
export const CrmChangeDiff = z.record(
  z.string().min(1).max(100),
  z.object({ from: CrmFieldValue, to: CrmFieldValue }),
);
export type CrmChangeDiff = z.infer<typeof CrmChangeDiff>;

/** Who asked for the change: the model through a write tool, or the turn's analysis. */
export const CrmChangeSource = z.enum(['model_tool', 'analysis']);
export type CrmChangeSource = z.infer<typeof CrmChangeSource>;

/**
 * Where the evidence comes from, as the tool-runner verified it: `prospect` only when it is a quote of the
 * prospect's own words in the conversation. Anything else (a retrieved document, the model's own text) is
 * `unverified` and never auto-approved (prompt injection, LLM01/LLM06).
 */
export const CrmEvidenceOrigin = z.enum(['prospect', 'rep', 'unverified']);
export type CrmEvidenceOrigin = z.infer<typeof CrmEvidenceOrigin>;

const ProposalRef = {
  proposalId: Id.describe('Deterministic: the same tool call or analysis always proposes the same id'),
  conversationId: Id,
  turnId: Id.optional(),
  entity: CrmEntity,
  entityId: Id,
  kind: CrmChangeKind,
};

export const CrmChangeProposedData = z.object({
  ...ProposalRef,
  diff: CrmChangeDiff,
  evidence: z.string().max(1000),
  evidenceOrigin: CrmEvidenceOrigin,
  source: CrmChangeSource,
  status: z
    .enum(['proposed', 'auto_applied'])
    .describe(
      'auto_applied: the tenant policy allowed it and it is already applied (crm.change.applied follows)',
    ),
  proposedAt: IsoTime,
});
export type CrmChangeProposedData = z.infer<typeof CrmChangeProposedData>;

export const CrmChangeAppliedData = z.object({
  ...ProposalRef,
  diff: CrmChangeDiff,
  decidedBy: z
    .string()
    .min(1)
    .max(200)
    .describe('"policy" for auto-approval, else who approved (api key id)'),
  appliedAt: IsoTime,
});
export type CrmChangeAppliedData = z.infer<typeof CrmChangeAppliedData>;

export const CrmChangeRejectedData = z.object({
  ...ProposalRef,
  decidedBy: z.string().min(1).max(200),
  reason: z.string().max(1000).optional(),
  rejectedAt: IsoTime,
});
export type CrmChangeRejectedData = z.infer<typeof CrmChangeRejectedData>;

export const CrmChangeProposed = defineEvent({
  type: eventType('crm.change.proposed'),
  topic: Topics.crm,
  schema: CrmChangeProposedData,
  description:
    'A CRM change was proposed (by a write tool or from the analysis), with its diff and evidence. Applied ' +
    'only after approval, or at once when the tenant auto-approve policy allows it (status auto_applied).',
  keyOf: (d) => d.conversationId,
});

export const CrmChangeApplied = defineEvent({
  type: eventType('crm.change.applied'),
  topic: Topics.crm,
  schema: CrmChangeAppliedData,
  description: 'A proposed CRM change was approved (by a rep or the policy) and applied to the CRM.',
  keyOf: (d) => d.conversationId,
});

export const CrmChangeRejected = defineEvent({
  type: eventType('crm.change.rejected'),
  topic: Topics.crm,
  schema: CrmChangeRejectedData,
  description: 'A proposed CRM change was rejected by a rep; the CRM is unchanged.',
  keyOf: (d) => d.conversationId,
});
