import { z } from 'zod';
import type { GroundingSource, ToolError } from '@lib/contracts';

/** What happened to one tool call of a turn, as the orchestrator recorded it. */
export type ToolOutcome =
  | {
      readonly toolCallId: string;
      readonly tool: string;
      readonly status: 'completed';
      readonly result: unknown;
    }
  | {
      readonly toolCallId: string;
      readonly tool: string;
      readonly status: 'failed';
      readonly error: ToolError;
    };

/** A knowledge-base passage returned by `knowledge_search`, normalised. */
export interface KnowledgePassage {
  readonly sourceId: string;
  readonly toolCallId: string;
  readonly title: string;
  readonly source: string;
  readonly text: string;
  readonly score: number;
}

export interface CrmActivity {
  readonly type?: string;
  readonly subject?: string;
  readonly occurredAt?: string;
}

export interface CrmDeal {
  readonly name?: string;
  readonly stage?: string;
  readonly amount?: number;
  readonly currency?: string;
  readonly closeDate?: string;
}

/** The prospect as the CRM knows them (`crm_lookup_prospect`), normalised. */
export interface CrmProfile {
  readonly sourceId: string;
  readonly toolCallId: string;
  readonly contactName?: string;
  readonly firstName?: string;
  readonly email?: string;
  readonly title?: string;
  readonly companyName?: string;
  readonly industry?: string;
  readonly accountDescription?: string;
  readonly deals: readonly CrmDeal[];
  readonly activities: readonly CrmActivity[];
}

export const KNOWLEDGE_SEARCH = 'knowledge_search';
export const CRM_LOOKUP_PROSPECT = 'crm_lookup_prospect';

// Tool results are JSON from another service: parsed leniently (several field spellings), never trusted.
const str = z.string().min(1).optional().catch(undefined);
const num = z.coerce.number().optional().catch(undefined);

const PassageSchema = z.looseObject({
  sourceId: str,
  id: str,
  passageId: str,
  chunkId: str,
  title: z.string().optional().catch(undefined),
  section: str,
  source: str,
  path: str,
  documentPath: str,
  url: str,
  text: str,
  content: str,
  snippet: str,
  score: num,
});

const KnowledgeResultSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({
    passages: z.array(z.unknown()).optional(),
    results: z.array(z.unknown()).optional(),
    hits: z.array(z.unknown()).optional(),
    items: z.array(z.unknown()).optional(),
  }),
]);

const ContactSchema = z.looseObject({
  id: str,
  contactId: str,
  firstName: str,
  first_name: str,
  lastName: str,
  last_name: str,
  name: str,
  fullName: str,
  email: str,
  title: str,
});

const AccountSchema = z.looseObject({ id: str, accountId: str, name: str, industry: str, description: str });

const ActivitySchema = z.looseObject({ type: str, subject: str, occurredAt: str });

const DealSchema = z.looseObject({
  name: str,
  stage: str,
  stageName: str,
  amount: num,
  currency: str,
  closeDate: str,
});

const CrmResultSchema = z.looseObject({
  found: z.boolean().optional().catch(undefined),
  contact: z.unknown().optional(),
  contacts: z.array(z.unknown()).optional().catch(undefined),
  account: z.unknown().optional(),
  openDeals: z.array(z.unknown()).optional().catch(undefined),
  deals: z.array(z.unknown()).optional().catch(undefined),
  opportunities: z.array(z.unknown()).optional().catch(undefined),
  recentActivities: z.array(z.unknown()).optional().catch(undefined),
});

export function knowledgePassages(outcomes: readonly ToolOutcome[]): KnowledgePassage[] {
  const passages: KnowledgePassage[] = [];
  for (const outcome of outcomes) {
    if (outcome.tool !== KNOWLEDGE_SEARCH || outcome.status !== 'completed') continue;
    const parsed = KnowledgeResultSchema.safeParse(outcome.result);
    if (!parsed.success) continue;
    const items = Array.isArray(parsed.data)
      ? parsed.data
      : (parsed.data.passages ?? parsed.data.results ?? parsed.data.hits ?? parsed.data.items ?? []);
    for (const item of items) {
      const p = PassageSchema.safeParse(item);
      if (!p.success) continue;
      const sourceId = p.data.sourceId ?? p.data.passageId ?? p.data.chunkId ?? p.data.id;
      const text = p.data.text ?? p.data.content ?? p.data.snippet;
      if (!sourceId || !text) continue;
      passages.push({
        sourceId,
        toolCallId: outcome.toolCallId,
        title: [p.data.title, p.data.section].filter(Boolean).join(' › '),
        source: p.data.source ?? p.data.path ?? p.data.documentPath ?? p.data.url ?? '',
        text,
        score: p.data.score ?? 0,
      });
    }
  }
  // Best first, as the search ranked them; stable for equal scores.
  return passages.sort((a, b) => b.score - a.score);
}

export function crmProfile(outcomes: readonly ToolOutcome[]): CrmProfile | undefined {
  for (const outcome of outcomes) {
    if (outcome.tool !== CRM_LOOKUP_PROSPECT || outcome.status !== 'completed') continue;
    const parsed = CrmResultSchema.safeParse(outcome.result);
    if (!parsed.success || parsed.data.found === false) continue;
    const contact = ContactSchema.safeParse(parsed.data.contact ?? parsed.data.contacts?.[0]);
    const account = AccountSchema.safeParse(parsed.data.account);
    const c = contact.success ? contact.data : undefined;
    const a = account.success ? account.data : undefined;
    if (!c && !a) continue;
    const firstName = c?.firstName ?? c?.first_name ?? (c?.name ?? c?.fullName)?.split(/\s+/)[0];
    const lastName = c?.lastName ?? c?.last_name;
    const contactName =
      c?.name ?? c?.fullName ?? ([firstName, lastName].filter(Boolean).join(' ') || undefined);
    const deals = (parsed.data.openDeals ?? parsed.data.deals ?? parsed.data.opportunities ?? []).flatMap(
      (d): CrmDeal[] => {
        const deal = DealSchema.safeParse(d);
        if (!deal.success) return [];
        const { name, stage, stageName, amount, currency, closeDate } = deal.data;
        return [{ name, stage: stage ?? stageName, amount, currency, closeDate }];
      },
    );
    const activities = (parsed.data.recentActivities ?? []).flatMap((x): CrmActivity[] => {
      const activity = ActivitySchema.safeParse(x);
      return activity.success ? [activity.data] : [];
    });
    const recordId = c?.id ?? c?.contactId ?? a?.id ?? a?.accountId ?? outcome.toolCallId;
    return {
      sourceId: `crm:${c ? 'contact' : 'account'}:${recordId}`,
      toolCallId: outcome.toolCallId,
      contactName,
      firstName,
      email: c?.email,
      title: c?.title,
      companyName: a?.name,
      industry: a?.industry,
      accountDescription: a?.description,
      deals,
      activities,
    };
  }
  return undefined;
}

/** The CRM profile as readable text: what a reply may rely on, and what the evaluator checks it against. */
export function crmProfileText(profile: CrmProfile): string {
  const lines: string[] = [];
  if (profile.contactName) {
    const role = profile.title ? `, ${profile.title}` : '';
    const at = profile.companyName ? ` at ${profile.companyName}` : '';
    lines.push(`Contact: ${profile.contactName}${role}${at}.`);
  } else if (profile.companyName) {
    lines.push(`Account: ${profile.companyName}.`);
  }
  if (profile.email) lines.push(`Email: ${profile.email}.`);
  if (profile.industry) lines.push(`Industry: ${profile.industry}.`);
  if (profile.accountDescription) lines.push(profile.accountDescription);
  for (const deal of profile.deals) {
    const parts = [
      deal.name ? `Deal: ${deal.name}` : 'Deal',
      deal.stage ? `stage ${deal.stage}` : undefined,
      deal.amount !== undefined ? `amount ${deal.amount} ${deal.currency ?? 'USD'}` : undefined,
      deal.closeDate ? `close date ${deal.closeDate}` : undefined,
    ].filter(Boolean);
    lines.push(`${parts.join(', ')}.`);
  }
  for (const activity of profile.activities) {
    const when = activity.occurredAt ? ` on ${activity.occurredAt.slice(0, 10)}` : '';
    lines.push(`Recent ${activity.type ?? 'activity'}${when}: ${activity.subject ?? ''}.`);
  }
  return lines.join('\n');
}

/** Everything the tools made available to write the reply, as the reply event reports it. */
export function groundingSources(
  passages: readonly KnowledgePassage[],
  crm: CrmProfile | undefined,
): GroundingSource[] {
  const sources: GroundingSource[] = passages.map((p) => ({
    sourceId: p.sourceId,
    kind: 'knowledge_base',
    toolCallId: p.toolCallId,
    title: p.title,
    source: p.source,
    text: p.text,
  }));
  if (crm) {
    sources.push({
      sourceId: crm.sourceId,
      kind: 'crm',
      toolCallId: crm.toolCallId,
      title: crm.contactName ?? crm.companyName ?? 'CRM record',
      source: 'crm',
      text: crmProfileText(crm),
    });
  }
  return sources;
}
