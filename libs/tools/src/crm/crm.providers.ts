import type { Provider } from '@nestjs/common';
import type { Tool } from '../registry/tool';
import { CrmAdapter } from './adapter/crm-adapter';
import { PostgresCrmAdapter } from './adapter/postgres-crm.adapter';
import { CrmEventsController } from './crm-events.controller';
import { CrmProposalsController } from './api/crm-proposals.controller';
import { CrmProspectsController } from './api/crm-prospects.api';
import { CrmChangeService } from './proposals/crm-change.service';
import { CrmConversationService } from './proposals/crm-conversation.service';
import { CrmProposalRepository } from './proposals/crm-proposal.repository';
import { crmGetAccountTool, crmGetDealHistoryTool } from './tools/crm-read.tools';
import { crmWriteTools } from './tools/crm-write.tools';

/** The CRM tools beyond `crm_lookup_prospect`: reads through the adapter, writes as proposals. */
export const CRM_TOOLS = Symbol('CRM_TOOLS');

/**
 * The CRM side of the tool-runner. `CrmAdapter` is the built-in PostgreSQL CRM; to use an external CRM,
 * override that one provider (see the README).
 */
export const crmProviders: Provider[] = [
  { provide: CrmAdapter, useClass: PostgresCrmAdapter },
  CrmProposalRepository,
  CrmChangeService,
  CrmConversationService,
  {
    provide: CRM_TOOLS,
    inject: [CrmAdapter, CrmChangeService, CrmConversationService],
    useFactory: (
      crm: CrmAdapter,
      changes: CrmChangeService,
      conversations: CrmConversationService,
    ): Tool[] => [
      crmGetAccountTool(crm),
      crmGetDealHistoryTool(crm),
      ...crmWriteTools({ crm, changes, conversations }),
    ],
  },
];

export const crmControllers = [CrmEventsController, CrmProposalsController, CrmProspectsController];
