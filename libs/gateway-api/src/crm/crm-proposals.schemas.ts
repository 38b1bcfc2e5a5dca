import { z } from 'zod';
import { CrmProposalList, CrmProposalListQuery, CrmProposalView } from '@lib/tools';
import { apiSchemas } from '../http/api-schemas';

/** The rep's decision body: `reason` is kept with a rejection (and in the audit trail). */
export const CrmDecisionRequest = z.strictObject({
  reason: z.string().trim().max(1000).optional().describe('Why (kept in the audit trail)'),
});
export type CrmDecisionRequest = z.infer<typeof CrmDecisionRequest>;

export const CrmProposalsQuery = CrmProposalListQuery;
export type CrmProposalsQuery = z.infer<typeof CrmProposalsQuery>;

// Named in the OpenAPI document, like the other bodies of the API.
apiSchemas.add(CrmDecisionRequest, { id: 'CrmDecisionRequest' });
apiSchemas.add(CrmProposalView, { id: 'CrmProposal' });
apiSchemas.add(CrmProposalList, { id: 'CrmProposalList' });
