import { implementTool, type Tool, type ToolContext } from '../registry/tool';
import {
  CrmLookupProspectSpec,
  type CrmLookupProspectArguments,
  type CrmLookupProspectResult,
} from './crm-lookup-prospect.schema';
import type { CrmAccount, CrmContact, CrmRepository } from './crm.repository';

const RECENT_ACTIVITIES = 5;

const NOT_FOUND: CrmLookupProspectResult = {
  found: false,
  contact: null,
  account: null,
  openDeals: [],
  recentActivities: [],
};

/**
 * Finds the prospect: by email first (exact), then by name (within the company when given), then by the
 * company alone. A known company with an unknown person still returns the account, with `contact: null`.
 */
async function lookup(
  crm: CrmRepository,
  args: CrmLookupProspectArguments,
  { tenantId, signal }: ToolContext,
): Promise<CrmLookupProspectResult> {
  let contact: CrmContact | undefined;
  if (args.email) contact = await crm.findContactByEmail(tenantId, args.email);
  if (!contact && args.name) contact = await crm.findContactByName(tenantId, args.name, args.company);
  signal.throwIfAborted();
  let account: CrmAccount | undefined;
  if (contact) account = await crm.findAccount(tenantId, contact.accountId);
  else if (args.company) account = await crm.findAccountByCompany(tenantId, args.company);
  if (!account) return NOT_FOUND;
  signal.throwIfAborted();
  const [deals, activities] = [
    await crm.openDeals(tenantId, account.id),
    await crm.recentActivities(tenantId, account.id, RECENT_ACTIVITIES),
  ];
  return {
    found: true,
    contact: contact
      ? {
          id: contact.id,
          name: `${contact.firstName} ${contact.lastName}`,
          email: contact.email,
          title: contact.title,
          phone: contact.phone,
        }
      : null,
    account: { ...account },
    openDeals: deals.map((d) => ({ ...d, amount: Number(d.amount) })),
    recentActivities: activities.map((a) => ({ ...a, occurredAt: a.occurredAt.toISOString() })),
  };
}

export function crmLookupProspectTool(crm: CrmRepository): Tool {
  return implementTool(CrmLookupProspectSpec, (args, context) => lookup(crm, args, context));
}
