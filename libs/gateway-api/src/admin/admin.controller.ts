import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import {
  AccessService,
  AdminGuard,
  TenantNameTakenError,
  TenantNotFoundError,
  type CreatedApiKey,
} from '@lib/access';
import {
  CreateApiKeyRequest,
  CreateTenantRequest,
  UpdateTenantRequest,
  UuidParam,
  type TenantView,
} from '../http/api-schemas';
import { RetentionRepository } from '../retention/retention.repository';
import { ApiJsonResponse, ApiProblemResponses, schemaRef } from '../http/openapi-decorators';
import { ZodValidationPipe } from '../http/zod-validation.pipe';

/** Tenant and key administration, guarded by ADMIN_API_KEY (disabled with 403 while it is unset). */
@ApiTags('admin')
@ApiBearerAuth('adminKey')
@ApiProblemResponses(401, 403, 500)
@UseGuards(AdminGuard)
@Controller('admin/v1')
export class AdminController {
  constructor(
    private readonly access: AccessService,
    private readonly retention: RetentionRepository,
  ) {}

  @Post('tenants')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a tenant' })
  @ApiBody({ schema: schemaRef('CreateTenantRequest') })
  @ApiJsonResponse(201, 'The tenant', 'Tenant')
  @ApiProblemResponses(400, 409)
  async createTenant(
    @Body(new ZodValidationPipe(CreateTenantRequest)) body: z.infer<typeof CreateTenantRequest>,
  ): Promise<TenantView> {
    try {
      return { ...(await this.access.createTenant(body.name)), retentionDays: null };
    } catch (error) {
      if (error instanceof TenantNameTakenError) throw new ConflictException(error.message);
      throw error;
    }
  }

  @Get('tenants')
  @ApiOperation({ summary: 'List tenants (with their retention period)' })
  @ApiResponse({
    status: 200,
    description: 'All tenants',
    schema: { type: 'array', items: schemaRef('Tenant') },
  })
  listTenants(): Promise<TenantView[]> {
    return this.retention.listTenants();
  }

  @Patch('tenants/:id')
  @ApiOperation({
    summary: "Set a tenant's retention period",
    description:
      'retentionDays (1..3650): conversations whose last activity (latest turn, else creation) is older ' +
      'are deleted by the gateway’s retention sweep, everywhere, as if deleted through the API ' +
      '(reason "retention"). null: kept until deleted.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ schema: schemaRef('UpdateTenantRequest') })
  @ApiJsonResponse(200, 'The tenant', 'Tenant')
  @ApiProblemResponses(400, 404)
  async updateTenant(
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) tenantId: string,
    @Body(new ZodValidationPipe(UpdateTenantRequest)) body: UpdateTenantRequest,
  ): Promise<TenantView> {
    const tenant = await this.retention.setRetention(tenantId, body.retentionDays);
    if (!tenant) throw new NotFoundException(`tenant ${tenantId} not found`);
    return tenant;
  }

  @Post('tenants/:id/api-keys')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key for a tenant: the key is in this response only' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ schema: schemaRef('CreateApiKeyRequest') })
  @ApiJsonResponse(201, 'The key, shown once', 'CreatedApiKey')
  @ApiProblemResponses(400, 404)
  async createApiKey(
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) tenantId: string,
    @Body(new ZodValidationPipe(CreateApiKeyRequest)) body: z.infer<typeof CreateApiKeyRequest>,
  ): Promise<CreatedApiKey> {
    try {
      return await this.access.createApiKey(tenantId, body.name);
    } catch (error) {
      if (error instanceof TenantNotFoundError) throw new NotFoundException(error.message);
      throw error;
    }
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiProblemResponses(404)
  async revokeApiKey(@Param('id', new ZodValidationPipe(UuidParam, 'id')) id: string): Promise<void> {
    if (!(await this.access.revokeApiKey(id)))
      throw new NotFoundException(`api key ${id} not found or revoked`);
  }
}
