import { BadRequestException, Controller, Get, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import { TenantIdParam } from '../reading/conversation-view.schema';
import { ANALYTICS_PATH } from './analytics.controller';
import { PromptVersionsReader } from './prompt-versions.reader';
import {
  PromptVersionsAllTenantsQuery,
  PromptVersionsQuery,
  type PromptVersionComparison,
} from './prompt-versions.schema';

/** 400 `{title, status, detail}` naming each offending parameter, like the other analytics routes. */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const field = issue.path.length ? issue.path.join('.') : keys.length ? keys.join(', ') : '(root)';
      return `${field}: ${issue.message}`;
    })
    .join('; ');
  throw new BadRequestException({ title: 'Bad Request', status: 400, detail });
}

/** `GET /internal/v1/tenants/:tenantId/analytics/prompt-versions?from&to&model` */
@Controller(ANALYTICS_PATH)
export class PromptVersionsController {
  constructor(private readonly reader: PromptVersionsReader) {}

  @Get('prompt-versions')
  promptVersions(
    @Param('tenantId') tenantId: string,
    @Query() query: unknown,
  ): Promise<PromptVersionComparison> {
    return this.reader.compare(parse(TenantIdParam, tenantId), parse(PromptVersionsQuery, query));
  }
}

/**
 * `GET /internal/v1/analytics/prompt-versions?from&to&model&byTenant`: every tenant, added up or per tenant.
 * For the gateway's admin API only (the internal API is on the service network, like the rest of it).
 */
@Controller('internal/v1/analytics')
export class PromptVersionsAllTenantsController {
  constructor(private readonly reader: PromptVersionsReader) {}

  @Get('prompt-versions')
  promptVersions(@Query() query: unknown): Promise<PromptVersionComparison> {
    const parsed = parse(PromptVersionsAllTenantsQuery, query);
    return this.reader.compare(undefined, parsed, { byTenant: parsed.byTenant });
  }
}
