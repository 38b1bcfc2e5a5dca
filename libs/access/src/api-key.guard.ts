import {
  createParamDecorator,
  Injectable,
  InternalServerErrorException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { AccessService } from './access.service';
import type { AuthenticatedTenant } from './access.types';
import { bearerToken } from './api-key';

/** The part of an HTTP request the access layer reads and writes. */
export interface TenantRequest {
  headers: Record<string, string | string[] | undefined>;
  tenant?: AuthenticatedTenant;
}

/**
 * Authenticates `Authorization: Bearer <api key>`: the key decides the tenant, which is put on the request
 * for `@CurrentTenant()`. Missing or invalid keys get 401 (rendered as problem+json by the gateway's filter).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly access: AccessService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const key = bearerToken(request.headers.authorization);
    if (!key) throw new UnauthorizedException('missing API key: send "Authorization: Bearer <key>"');
    const tenant = await this.access.authenticate(key);
    if (!tenant) throw new UnauthorizedException('invalid or revoked API key');
    request.tenant = tenant;
    return true;
  }
}

/** The authenticated tenant of the request. Only on routes behind `ApiKeyGuard`. */
export const CurrentTenant = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const tenant = context.switchToHttp().getRequest<TenantRequest>().tenant;
  // A route that forgot the guard is a programming error, not a client error.
  if (!tenant) throw new InternalServerErrorException('route has @CurrentTenant() but no ApiKeyGuard');
  return tenant;
});
