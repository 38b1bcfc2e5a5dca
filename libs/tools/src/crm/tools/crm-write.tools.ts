import { deriveId, type CrmFieldValue } from '@lib/contracts';
import { implementTool, ToolExecutionError, type Tool, type ToolContext } from '../../registry/tool';
import type { CrmAdapter, CrmLinks } from '../adapter/crm-adapter';
import type { CrmChangeDraft } from '../proposals/crm-change.model';
import type { CrmChangeService } from '../proposals/crm-change.service';
import type { CrmConversationService } from '../proposals/crm-conversation.service';
import { buildCreationDiff, buildUpdateDiff } from '../proposals/crm-diff';
import {
  CrmCreateTaskSpec,
  CrmLogActivitySpec,
  CrmUpdateContactSpec,
  CrmUpdateDealSpec,
  type CrmProposalResult,
} from './crm-write-tools.schema';

export interface CrmWriteToolDeps {
  readonly crm: CrmAdapter;
  readonly changes: CrmChangeService;
  readonly conversations: CrmConversationService;
  /** Clock for `occurredAt` of logged activities (tests pin it). */
  readonly now?: () => Date;
}

interface Turn {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly turnId: string | null;
  readonly toolCallId: string;
}

/** Write tools only run inside a conversation: the proposal belongs to it and its evidence is checked in it. */
function turnOf(context: ToolContext): Turn {
  if (!context.conversationId) {
    throw new ToolExecutionError('no_conversation', 'CRM changes can only be proposed within a conversation');
  }
  return {
    tenantId: context.tenantId,
    conversationId: context.conversationId,
    turnId: context.turnId ?? null,
    toolCallId: context.toolCallId,
  };
}

/** One proposal per tool call: a redelivered call finds the same proposal. */
const proposalIdOf = (turn: Turn): string => deriveId('crm-proposal', turn.tenantId, turn.toolCallId);

const notFound = (what: string): ToolExecutionError =>
  new ToolExecutionError('not_found', `${what} not found in the CRM`);

async function proposeUpdate(
  deps: CrmWriteToolDeps,
  turn: Turn,
  target: { entity: 'deal' | 'contact'; id: string },
  requested: Record<string, CrmFieldValue | undefined>,
  evidence: string,
): Promise<CrmProposalResult> {
  const current = await deps.crm.currentValues(turn.tenantId, target.entity, target.id);
  if (!current) throw notFound(`${target.entity} ${target.id}`);
  const diff = buildUpdateDiff(current, requested);
  if (Object.keys(diff).length === 0) {
    throw new ToolExecutionError('no_change', `the ${target.entity} already has these values`);
  }
  const draft: CrmChangeDraft = {
    proposalId: proposalIdOf(turn),
    conversationId: turn.conversationId,
    turnId: turn.turnId,
    entity: target.entity,
    entityId: target.id,
    kind: target.entity === 'deal' ? 'update_deal' : 'update_contact',
    diff,
    evidence,
    source: 'model_tool',
  };
  return deps.changes.propose(turn.tenantId, draft);
}

/** The records a new activity or task hangs off: the given ones, else the conversation's prospect. */
async function linksFor(
  deps: CrmWriteToolDeps,
  turn: Turn,
  args: { dealId?: string; contactId?: string },
): Promise<CrmLinks> {
  let { contactId } = args;
  let accountId: string | undefined;
  if (!args.dealId && !contactId) {
    const prospect = await deps.conversations.prospectOf(turn.tenantId, turn.conversationId);
    if (!prospect) throw notFound("the conversation's prospect");
    contactId = prospect.contact?.id;
    accountId = prospect.account.id;
  }
  const links = await deps.crm.resolveLinks(turn.tenantId, { accountId, dealId: args.dealId, contactId });
  if (!links) throw notFound('the deal or contact');
  return links;
}

export function crmWriteTools(deps: CrmWriteToolDeps): Tool[] {
  const now = deps.now ?? ((): Date => new Date());
  return [
    implementTool(CrmUpdateDealSpec, async (args, context) => {
      const turn = turnOf(context);
      let dealId = args.dealId;
      if (!dealId) {
        const prospect = await deps.conversations.prospectOf(turn.tenantId, turn.conversationId);
        dealId = prospect?.openDeals[0]?.id;
        if (!dealId) throw notFound("an open deal of the conversation's prospect");
      }
      const { stage, amount, closeDate, name } = args;
      return proposeUpdate(
        deps,
        turn,
        { entity: 'deal', id: dealId },
        { stage, amount, closeDate, name },
        args.evidence,
      );
    }),
    implementTool(CrmUpdateContactSpec, async (args, context) => {
      const turn = turnOf(context);
      let contactId = args.contactId;
      if (!contactId) {
        contactId = (await deps.conversations.prospectOf(turn.tenantId, turn.conversationId))?.contact?.id;
        if (!contactId) throw notFound("the conversation's prospect contact");
      }
      const { firstName, lastName, email, title, phone } = args;
      return proposeUpdate(
        deps,
        turn,
        { entity: 'contact', id: contactId },
        { firstName, lastName, email, title, phone },
        args.evidence,
      );
    }),
    implementTool(CrmLogActivitySpec, async (args, context) => {
      const turn = turnOf(context);
      const links = await linksFor(deps, turn, args);
      const proposalId = proposalIdOf(turn);
      return deps.changes.propose(turn.tenantId, {
        proposalId,
        conversationId: turn.conversationId,
        turnId: turn.turnId,
        entity: 'activity',
        entityId: deriveId(proposalId, 'activity'),
        kind: 'log_activity',
        diff: buildCreationDiff({
          ...links,
          type: args.type,
          subject: args.subject,
          notes: args.notes,
          occurredAt: now().toISOString(),
        }),
        evidence: args.evidence,
        source: 'model_tool',
      });
    }),
    implementTool(CrmCreateTaskSpec, async (args, context) => {
      const turn = turnOf(context);
      const links = await linksFor(deps, turn, args);
      const proposalId = proposalIdOf(turn);
      return deps.changes.propose(turn.tenantId, {
        proposalId,
        conversationId: turn.conversationId,
        turnId: turn.turnId,
        entity: 'task',
        entityId: deriveId(proposalId, 'task'),
        kind: 'create_task',
        diff: buildCreationDiff({ ...links, subject: args.subject, dueDate: args.dueDate }),
        evidence: args.evidence,
        source: 'model_tool',
      });
    }),
  ];
}
