import { Injectable } from '@nestjs/common';
import type { ProspectRef } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import {
  chooseCrmRefs,
  CRM_REF_TOOLS,
  crmRefsOfToolResult,
  sameCrmRefs,
  type CrmRefs,
  type CrmRefSource,
} from '../model/crm-refs';
import { table } from './sql';

interface SourceRow {
  kind: 'tool' | 'change';
  tool: string | null;
  result: unknown;
  deal_id: string | null;
  at: Date;
  key: string;
}

/**
 * The conversation's CRM references (`conversations.crm_contact_id`, `crm_account_id`, `crm_deal_id`) and
 * the stored facts they come from: completed CRM read tool calls and CRM changes of a deal.
 */
@Injectable()
export class CrmRefsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Recomputes the conversation's CRM references from its prospect and the stored sources (`chooseCrmRefs`)
   * and writes them when they changed. Nothing to do while the conversation is not stored: its first event
   * sets the prospect, which refreshes them.
   */
  async refresh(tenantId: string, conversationId: string): Promise<void> {
    const stored = await this.lockExisting(tenantId, conversationId);
    if (!stored) return;
    const next = chooseCrmRefs(stored.prospect, await this.sources(tenantId, conversationId));
    if (!sameCrmRefs(stored.refs, next)) await this.update(tenantId, conversationId, next);
  }

  /** The conversation's row (prospect and current references), locked; undefined when not stored. */
  async lockExisting(
    tenantId: string,
    conversationId: string,
  ): Promise<{ prospect: ProspectRef | null; refs: CrmRefs } | undefined> {
    const rows: {
      prospect: ProspectRef | null;
      crm_contact_id: string | null;
      crm_account_id: string | null;
      crm_deal_id: string | null;
    }[] = await this.uow.manager.query(
      `SELECT "prospect", "crm_contact_id", "crm_account_id", "crm_deal_id" FROM ${table('conversations')}
       WHERE "id" = $1 AND "tenant_id" = $2 FOR UPDATE`,
      [conversationId, tenantId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      prospect: row.prospect,
      refs: { contactId: row.crm_contact_id, accountId: row.crm_account_id, dealId: row.crm_deal_id },
    };
  }

  /** What the stored tool calls and CRM changes of the conversation tell about its CRM records. */
  async sources(tenantId: string, conversationId: string): Promise<CrmRefSource[]> {
    const rows: SourceRow[] = await this.uow.manager.query(
      `SELECT 'tool' AS "kind", c."tool", c."result", NULL::text AS "deal_id", c."finished_at" AS "at",
         c."id"::text AS "key"
       FROM ${table('tool_calls')} c
       WHERE c."tenant_id" = $1 AND c."conversation_id" = $2 AND c."status" = 'completed'
         AND c."tool" = ANY($3::varchar[])
       UNION ALL
       SELECT 'change', NULL, NULL, x."entity_id"::text, coalesce(x."proposed_at", x."decided_at"),
         x."proposal_id"::text
       FROM ${table('crm_changes')} x
       WHERE x."tenant_id" = $1 AND x."conversation_id" = $2 AND x."entity" = 'deal'`,
      [tenantId, conversationId, [...CRM_REF_TOOLS]],
    );
    return rows.flatMap((r): CrmRefSource[] => {
      if (r.at === null) return [];
      if (r.kind === 'change') return r.deal_id === null ? [] : [{ dealId: r.deal_id, at: r.at, key: r.key }];
      return [{ ...crmRefsOfToolResult(r.tool ?? '', r.result), at: r.at, key: r.key }];
    });
  }

  async update(tenantId: string, conversationId: string, refs: CrmRefs): Promise<void> {
    await this.uow.manager.query(
      `UPDATE ${table('conversations')} SET "crm_contact_id" = $3, "crm_account_id" = $4, "crm_deal_id" = $5
       WHERE "id" = $1 AND "tenant_id" = $2`,
      [conversationId, tenantId, refs.contactId, refs.accountId, refs.dealId],
    );
  }
}
