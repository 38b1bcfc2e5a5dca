import type { UnitOfWork } from '@lib/database';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';

export const DEVELOPMENT_TENANT_NAME = 'development';

/**
 * For the embedded mode: creates (idempotently) the tenant `development` and, when given a fixed key (e.g.
 * from `DEV_API_KEY`), registers its hash so that key authenticates as that tenant. Returns the tenant id.
 */
export async function ensureDevelopmentTenant(uow: UnitOfWork, devApiKey?: string): Promise<string> {
  const access = new AccessService(new AccessRepository(uow));
  const tenant = await uow.run(() => access.ensureTenantWithKey(DEVELOPMENT_TENANT_NAME, devApiKey));
  return tenant.id;
}
