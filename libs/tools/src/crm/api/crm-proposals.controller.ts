import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import { CrmProposalConflictError, CrmProposalNotFoundError } from '../proposals/crm-change.model';
import { CrmChangeService, type CrmDecision } from '../proposals/crm-change.service';
import { CrmProposalRepository } from '../proposals/crm-proposal.repository';
import {
  CrmDecisionBody,
  CrmProposalListQuery,
  toProposalView,
  type CrmProposalList,
  type CrmProposalView,
} from './crm-proposals.api-schema';

/** Base path of the internal CRM proposals API. Internal: reached by the gateway on the service network only. */
export const CRM_PROPOSALS_PATH = 'internal/v1/tenants/:tenantId/crm/proposals';

const Params = z.object({ tenantId: z.string().min(1).max(128), proposalId: z.uuid().optional() });

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new BadRequestException({ title: 'Bad Request', status: 400, detail });
}

/**
 * The internal API over CRM change proposals: list, read (with the audit trail), approve, reject. The tenant
 * is in the path (the gateway puts the API key's tenant there); another tenant's proposal is a 404.
 */
@Controller(CRM_PROPOSALS_PATH)
export class CrmProposalsController {
  constructor(
    private readonly changes: CrmChangeService,
    private readonly proposals: CrmProposalRepository,
  ) {}

  @Get()
  async list(@Param() params: unknown, @Query() query: unknown): Promise<CrmProposalList> {
    const { tenantId } = parse(Params, params);
    const filter = parse(CrmProposalListQuery, query);
    const proposals = await this.changes.list(tenantId, filter);
    return { proposals: proposals.map((p) => toProposalView(p)) };
  }

  @Get(':proposalId')
  async get(@Param() params: unknown): Promise<CrmProposalView> {
    const { tenantId, proposalId } = parse(Params.required({ proposalId: true }), params);
    const proposal = await this.changes.get(tenantId, proposalId);
    if (!proposal) throw notFound(proposalId);
    return toProposalView(proposal, await this.proposals.auditTrail(tenantId, proposalId));
  }

  @Post(':proposalId/approve')
  @HttpCode(200)
  approve(@Param() params: unknown, @Body() body: unknown): Promise<CrmProposalView> {
    const { decidedBy } = parse(CrmDecisionBody, body);
    return this.decide(params, { approve: true, decidedBy });
  }

  @Post(':proposalId/reject')
  @HttpCode(200)
  reject(@Param() params: unknown, @Body() body: unknown): Promise<CrmProposalView> {
    const { decidedBy, reason } = parse(CrmDecisionBody, body);
    return this.decide(params, { approve: false, decidedBy, reason });
  }

  private async decide(params: unknown, decision: CrmDecision): Promise<CrmProposalView> {
    const { tenantId, proposalId } = parse(Params.required({ proposalId: true }), params);
    try {
      const decided = await this.changes.decide(tenantId, proposalId, decision);
      return toProposalView(decided, await this.proposals.auditTrail(tenantId, proposalId));
    } catch (error) {
      if (error instanceof CrmProposalNotFoundError) throw notFound(proposalId);
      if (error instanceof CrmProposalConflictError) {
        throw new ConflictException({ title: 'Conflict', status: 409, detail: error.message });
      }
      throw error;
    }
  }
}

const notFound = (proposalId: string): NotFoundException =>
  new NotFoundException({
    title: 'Not Found',
    status: 404,
    detail: `CRM change proposal ${proposalId} not found`,
  });
