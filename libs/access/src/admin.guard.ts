import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ACCESS_CONFIG, type AccessConfig } from './access.config';
import { bearerToken } from './api-key';
import type { TenantRequest } from './api-key.guard';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Guards the admin API with `ADMIN_API_KEY`. Unlike tenant keys (looked up by hash), this is a direct
 * comparison with a secret, so it is constant-time (over SHA-256 digests, which also equalises lengths).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ACCESS_CONFIG) private readonly config: AccessConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const configured = this.config.ADMIN_API_KEY;
    if (!configured) {
      throw new ForbiddenException('the admin API is disabled: set ADMIN_API_KEY to enable it');
    }
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const given = bearerToken(request.headers.authorization);
    if (!given || !timingSafeEqual(digest(given), digest(configured))) {
      throw new UnauthorizedException(
        'missing or invalid admin key: send "Authorization: Bearer <ADMIN_API_KEY>"',
      );
    }
    return true;
  }
}
