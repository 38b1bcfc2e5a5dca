import { Injectable } from '@nestjs/common';
import type { CrmChangeAppliedData, CrmChangeProposedData, CrmChangeRejectedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { DeletedConversations } from '../deletion/deleted-conversations';
import { CrmChangeRepository } from '../repositories/crm-change.repository';
import { CrmRefsRepository } from '../repositories/crm-refs.repository';

/**
 * Stores CRM change proposals and their outcomes (`crm_changes`). They are not conversation activity: the
 * conversation's state and turn counts are left alone. A change of a deal names the conversation's deal:
 * its CRM references are refreshed (under the conversation's lock, when the conversation is stored).
 */
@Injectable()
export class CrmChangeRecorder {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly changes: CrmChangeRepository,
    private readonly deleted: DeletedConversations,
    private readonly crmRefs: CrmRefsRepository,
  ) {}

  async proposed(tenantId: string, data: CrmChangeProposedData): Promise<void> {
    await this.uow.run(async () => {
      await this.deleted.guard(data.conversationId);
      await this.changes.proposed(tenantId, data);
      if (data.entity === 'deal') await this.crmRefs.refresh(tenantId, data.conversationId);
    });
  }

  async applied(tenantId: string, data: CrmChangeAppliedData): Promise<void> {
    await this.uow.run(async () => {
      await this.deleted.guard(data.conversationId);
      await this.changes.decided(tenantId, data, { status: 'applied', at: data.appliedAt });
      if (data.entity === 'deal') await this.crmRefs.refresh(tenantId, data.conversationId);
    });
  }

  async rejected(tenantId: string, data: CrmChangeRejectedData): Promise<void> {
    await this.uow.run(async () => {
      await this.deleted.guard(data.conversationId);
      await this.changes.decided(tenantId, data, {
        status: 'rejected',
        at: data.rejectedAt,
        reason: data.reason,
      });
      if (data.entity === 'deal') await this.crmRefs.refresh(tenantId, data.conversationId);
    });
  }
}
