import { implementTool, type Tool } from '../../registry/tool';
import type { CrmActivityRecord, CrmAdapter, CrmContactRecord, CrmDealRecord } from '../adapter/crm-adapter';
import {
  CrmGetAccountSpec,
  CrmGetDealHistorySpec,
  type CrmGetAccountResult,
  type CrmGetDealHistoryResult,
} from './crm-read-tools.schema';

const contactView = (c: CrmContactRecord): CrmGetAccountResult['contacts'][number] => ({
  id: c.id,
  name: `${c.firstName} ${c.lastName}`,
  email: c.email,
  title: c.title,
  phone: c.phone,
});
const dealView = (d: CrmDealRecord): CrmGetAccountResult['openDeals'][number] => ({
  id: d.id,
  name: d.name,
  stage: d.stage,
  amount: d.amount,
  currency: d.currency,
  closeDate: d.closeDate,
});
const activityView = (a: CrmActivityRecord): CrmGetAccountResult['recentActivities'][number] => ({
  id: a.id,
  type: a.type,
  subject: a.subject,
  notes: a.notes,
  occurredAt: new Date(a.occurredAt).toISOString(),
  contactName: a.contactName,
});

export function crmGetAccountTool(crm: CrmAdapter): Tool {
  return implementTool(
    CrmGetAccountSpec,
    async ({ accountId }, { tenantId }): Promise<CrmGetAccountResult> => {
      const details = await crm.getAccount(tenantId, accountId);
      if (!details) {
        return {
          found: false,
          account: null,
          contacts: [],
          openDeals: [],
          recentActivities: [],
          openTasks: [],
        };
      }
      return {
        found: true,
        account: { ...details.account },
        contacts: details.contacts.map(contactView),
        openDeals: details.openDeals.map(dealView),
        recentActivities: details.recentActivities.map(activityView),
        openTasks: details.openTasks.map((t) => ({ ...t })),
      };
    },
  );
}

export function crmGetDealHistoryTool(crm: CrmAdapter): Tool {
  return implementTool(
    CrmGetDealHistorySpec,
    async ({ dealId }, { tenantId }): Promise<CrmGetDealHistoryResult> => {
      const history = await crm.getDealHistory(tenantId, dealId);
      if (!history) return { found: false, deal: null, stageChanges: [], activities: [] };
      return {
        found: true,
        deal: dealView(history.deal),
        stageChanges: history.stageChanges.map((s) => ({
          from: s.fromStage,
          to: s.toStage,
          changedAt: new Date(s.changedAt).toISOString(),
        })),
        activities: history.activities.map(activityView),
      };
    },
  );
}
