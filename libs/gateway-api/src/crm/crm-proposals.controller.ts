import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentTenant, type AuthenticatedTenant } from '@lib/access';
import type { CrmProposalList, CrmProposalView } from '@lib/tools';
import { UuidParam } from '../http/api-schemas';
import { ApiJsonResponse, ApiProblemResponses, schemaRef } from '../http/openapi-decorators';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { CrmDecisionRequest, CrmProposalsQuery } from './crm-proposals.schemas';
import { CrmProposalsService } from './crm-proposals.service';

/** CRM changes proposed from conversations, for the rep to approve or reject. */
@ApiTags('crm')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(401, 500, 503)
@UseGuards(ApiKeyGuard)
@Controller('v1/crm/proposals')
export class CrmProposalsController {
  constructor(private readonly service: CrmProposalsService) {}

  @Get()
  @ApiOperation({ summary: 'CRM change proposals, newest first (e.g. ?status=proposed&conversationId=...)' })
  @ApiQuery({ name: 'status', required: false })
  @ApiQuery({ name: 'conversationId', required: false })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200 } })
  @ApiJsonResponse(200, 'The proposals', 'CrmProposalList')
  @ApiProblemResponses(400)
  list(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new ZodValidationPipe(CrmProposalsQuery, 'query')) query: CrmProposalsQuery,
  ): Promise<CrmProposalList> {
    return this.service.list(tenant, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A proposal with its audit trail' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, 'The proposal', 'CrmProposal')
  @ApiProblemResponses(400, 404)
  get(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) id: string,
  ): Promise<CrmProposalView> {
    return this.service.get(tenant, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a proposal: the change is applied to the CRM (approving again changes nothing)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, 'The applied proposal', 'CrmProposal')
  @ApiProblemResponses(400, 404, 409)
  approve(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) id: string,
  ): Promise<CrmProposalView> {
    return this.service.approve(tenant, id);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a proposal: the CRM stays as it is' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ schema: schemaRef('CrmDecisionRequest'), required: false })
  @ApiJsonResponse(200, 'The rejected proposal', 'CrmProposal')
  @ApiProblemResponses(400, 404, 409)
  reject(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) id: string,
    @Body(new ZodValidationPipe(CrmDecisionRequest.optional())) body: CrmDecisionRequest | undefined,
  ): Promise<CrmProposalView> {
    return this.service.reject(tenant, id, body ?? {});
  }
}
