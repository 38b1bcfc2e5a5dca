import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from './api-key';

/** Where the services' internal APIs live (persistence's record and analytics, the tool-runner's CRM and KB). */
export const INTERNAL_API_PREFIX = '/internal';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether a request carries the internal API token (`Authorization: Bearer <INTERNAL_API_TOKEN>`). Constant
 * time (over SHA-256 digests, which also equalises lengths), like the admin key.
 */
export function hasInternalToken(authorization: string | string[] | undefined, token: string): boolean {
  const given = bearerToken(authorization);
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/**
 * A connect-style middleware for `INTERNAL_API_PREFIX`: answers 401 problem+json to a request without the
 * token, passes the others on. The internal APIs are tenant-scoped by a path parameter and trust their
 * caller (the gateway authenticated the tenant): on a shared network, this token is what stops anyone else
 * from reading every tenant's conversations.
 */
export function internalApiAuth(token: string) {
  const expected = token;
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    if (hasInternalToken(request.headers.authorization, expected)) {
      next();
      return;
    }
    const body = JSON.stringify({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'missing or invalid internal API token: send "Authorization: Bearer <INTERNAL_API_TOKEN>"',
    });
    response.writeHead(401, {
      'content-type': 'application/problem+json',
      'www-authenticate': 'Bearer realm="internal"',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  };
}

/** The header the internal API clients send: none while no token is configured (development, tests). */
export function internalAuthHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
