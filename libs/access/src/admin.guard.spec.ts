import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { AdminGuard } from './admin.guard';

const contextWith = (authorization?: string): ExecutionContext =>
  ({
    switchToHttp: () => ({ getRequest: () => ({ headers: { authorization } }) }),
  }) as unknown as ExecutionContext;

describe('AdminGuard', () => {
  const adminKey = 'admin-key-that-is-long-enough-123';

  it('is disabled with 403 while ADMIN_API_KEY is unset', () => {
    const guard = new AdminGuard({ ADMIN_API_KEY: undefined });
    expect(() => guard.canActivate(contextWith(`Bearer ${adminKey}`))).toThrow(ForbiddenException);
    expect(() => guard.canActivate(contextWith(`Bearer ${adminKey}`))).toThrow(/ADMIN_API_KEY/);
  });

  it('rejects a missing or wrong key with 401', () => {
    const guard = new AdminGuard({ ADMIN_API_KEY: adminKey });
    expect(() => guard.canActivate(contextWith())).toThrow(UnauthorizedException);
    expect(() => guard.canActivate(contextWith(`Bearer ${adminKey}x`))).toThrow(UnauthorizedException);
    expect(() => guard.canActivate(contextWith(adminKey))).toThrow(UnauthorizedException);
  });

  it('lets the admin key through', () => {
    const guard = new AdminGuard({ ADMIN_API_KEY: adminKey });
    expect(guard.canActivate(contextWith(`Bearer ${adminKey}`))).toBe(true);
  });
});
