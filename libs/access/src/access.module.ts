import { Module } from '@nestjs/common';
import { loadConfig } from '@lib/config';
import { ACCESS_CONFIG, AccessConfigSchema } from './access.config';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';
import { AdminGuard } from './admin.guard';
import { ApiKeyGuard } from './api-key.guard';

/**
 * Tenants and API keys. Needs `UnitOfWork` (global, from the runtime's DatabaseModule) and the access tables
 * (`accessTablesMigration`) in the service's schema.
 */
@Module({
  providers: [
    { provide: ACCESS_CONFIG, useFactory: () => loadConfig(AccessConfigSchema) },
    AccessRepository,
    AccessService,
    ApiKeyGuard,
    AdminGuard,
  ],
  exports: [ACCESS_CONFIG, AccessService, ApiKeyGuard, AdminGuard],
})
export class AccessModule {}
