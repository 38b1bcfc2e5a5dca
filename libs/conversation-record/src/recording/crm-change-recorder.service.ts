import { Injectable } from '@nestjs/common';
import type { CrmChangeAppliedData, CrmChangeProposedData, CrmChangeRejectedData } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { CrmChangeRepository } from '../repositories/crm-change.repository';

/**
 * Stores CRM change proposals and their outcomes (`crm_changes`). They are not conversation activity: the
 * conversation's state and turn counts are left alone.
 */
@Injectable()
export class CrmChangeRecorder {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly changes: CrmChangeRepository,
  ) {}

  async proposed(tenantId: string, data: CrmChangeProposedData): Promise<void> {
    await this.uow.run(() => this.changes.proposed(tenantId, data));
  }

  async applied(tenantId: string, data: CrmChangeAppliedData): Promise<void> {
    await this.uow.run(() => this.changes.decided(tenantId, data, { status: 'applied', at: data.appliedAt }));
  }

  async rejected(tenantId: string, data: CrmChangeRejectedData): Promise<void> {
    await this.uow.run(() =>
      this.changes.decided(tenantId, data, { status: 'rejected', at: data.rejectedAt, reason: data.reason }),
    );
  }
}
