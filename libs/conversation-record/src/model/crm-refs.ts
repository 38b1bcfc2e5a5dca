import type { ProspectRef } from '@lib/contracts';

/** The CRM records a conversation is about (`conversations.crm_*_id`). */
export interface CrmRefs {
  readonly contactId: string | null;
  readonly accountId: string | null;
  readonly dealId: string | null;
}

/** What one stored fact tells about the conversation's CRM records. */
export interface CrmRefSource {
  readonly contactId?: string;
  readonly accountId?: string;
  readonly dealId?: string;
  /** When the fact happened: the tool call's finish, the CRM change's proposal (or decision). */
  readonly at: Date;
  /** Tie-breaker for sources of the same time (the tool call or proposal id). */
  readonly key: string;
}

/** The CRM read tools whose results name the prospect's records. */
export const CRM_REF_TOOLS = ['crm_lookup_prospect', 'crm_get_account', 'crm_get_deal_history'] as const;

/** `varchar(128)`: a longer value is no id of ours, it is ignored rather than cut. */
const MAX_ID = 128;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function idOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const id = value.id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID ? id : undefined;
}

const firstOf = (value: unknown): unknown => (Array.isArray(value) ? value[0] : undefined);

/**
 * The records a completed CRM read tool's result names (see libs/tools/src/crm): `crm_lookup_prospect` →
 * its contact, its account and its first open deal (the one the tool-runner's analysis updates touch);
 * `crm_get_account` → the account and its first open deal; `crm_get_deal_history` → the deal. A result
 * that found nothing, or is not shaped as expected, names nothing. Pure.
 */
export function crmRefsOfToolResult(
  tool: string,
  result: unknown,
): Pick<CrmRefSource, 'contactId' | 'accountId' | 'dealId'> {
  if (!isRecord(result) || result.found !== true) return {};
  switch (tool) {
    case 'crm_lookup_prospect':
      return {
        contactId: idOf(result.contact),
        accountId: idOf(result.account),
        dealId: idOf(firstOf(result.openDeals)),
      };
    case 'crm_get_account':
      return { accountId: idOf(result.account), dealId: idOf(firstOf(result.openDeals)) };
    case 'crm_get_deal_history':
      return { dealId: idOf(result.deal) };
    default:
      return {};
  }
}

const bySourceOrder = (a: CrmRefSource, b: CrmRefSource): number =>
  a.at.getTime() - b.at.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The conversation's CRM references. The contact is the prospect reference's `crmContactId` when it has one,
 * else the earliest known one; account and deal are the earliest known ones ("first known wins", first by
 * event time, not arrival: the sources are the stored tool calls and CRM changes, so late events converge).
 * Pure.
 */
export function chooseCrmRefs(prospect: ProspectRef | null, sources: readonly CrmRefSource[]): CrmRefs {
  const ordered = [...sources].sort(bySourceOrder);
  const first = (pick: (s: CrmRefSource) => string | undefined): string | null => {
    for (const s of ordered) {
      const value = pick(s);
      if (value !== undefined) return value;
    }
    return null;
  };
  return {
    contactId: prospect?.crmContactId ?? first((s) => s.contactId),
    accountId: first((s) => s.accountId),
    dealId: first((s) => s.dealId),
  };
}

export const sameCrmRefs = (a: CrmRefs, b: CrmRefs): boolean =>
  a.contactId === b.contactId && a.accountId === b.accountId && a.dealId === b.dealId;
