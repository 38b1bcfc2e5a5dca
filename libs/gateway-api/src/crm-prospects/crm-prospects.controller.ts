import { Controller, Get, Inject, Injectable, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentTenant, type AuthenticatedTenant } from '@lib/access';
import { CrmProspectList, CrmProspectSearchQuery, CrmProspectsClient } from '@lib/tools';
import { apiSchemas } from '../http/api-schemas';
import { InternalApiProxy } from '../http/internal-api-proxy';
import { ApiProblemResponses, schemaRef } from '../http/openapi-decorators';
import { ZodValidationPipe } from '../http/zod-validation.pipe';

apiSchemas.add(CrmProspectList, { id: 'CrmProspectList' });

/** The example response of `GET /v1/crm/prospects` in the OpenAPI document (a test checks it). */
export const CRM_PROSPECTS_EXAMPLE: CrmProspectList = {
  prospects: [
    {
      crmContactId: '0195f3a0-6c1e-7a4b-9d52-3f1a2b3c4d5e',
      name: 'Maya Chen',
      email: 'maya.chen@northwindpay.com',
      title: 'Head of Data',
      company: 'Northwind Pay',
    },
  ],
};

/** Prospects (CRM contacts) of the API key's tenant, through the tool-runner's internal search. */
@Injectable()
export class CrmProspectsService {
  private readonly api = new InternalApiProxy(
    CrmProspectsService.name,
    'CRM prospects API',
    'CRM prospects are unavailable, retry shortly',
  );

  constructor(@Inject(CrmProspectsClient) private readonly client: CrmProspectsClient) {}

  search(tenant: AuthenticatedTenant, query: CrmProspectSearchQuery): Promise<CrmProspectList> {
    return this.api.call(() => this.client.search(tenant.id, query));
  }
}

/** `GET /v1/crm/prospects`: find a CRM contact to start a conversation with. */
@ApiTags('crm')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(400, 401, 500, 503)
@UseGuards(ApiKeyGuard)
@Controller('v1/crm/prospects')
export class CrmProspectsController {
  constructor(private readonly service: CrmProspectsService) {}

  @Get()
  @ApiOperation({
    summary: 'Find CRM prospects',
    description:
      'The tenant’s CRM contacts (tenant from the API key) whose name, email or company contains `q` ' +
      '(case-insensitive), ordered by last name; each with the fields of a conversation’s `prospect`.',
  })
  @ApiQuery({ name: 'q', required: false, schema: { type: 'string', maxLength: 100, example: 'maya' } })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
  })
  @ApiResponse({
    status: 200,
    description: 'The matching prospects',
    content: { 'application/json': { schema: schemaRef('CrmProspectList'), example: CRM_PROSPECTS_EXAMPLE } },
  })
  search(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Query(new ZodValidationPipe(CrmProspectSearchQuery, 'query')) query: CrmProspectSearchQuery,
  ): Promise<CrmProspectList> {
    return this.service.search(tenant, query);
  }
}
