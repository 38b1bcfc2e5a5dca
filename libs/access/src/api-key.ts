import { createHash, randomBytes } from 'node:crypto';

/** Every generated key starts with this, so leaked keys are easy to recognise (secret scanners, logs). */
export const API_KEY_PREFIX = 'sk_';

/** How many leading characters of a key are stored in clear, to tell keys apart in listings. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 8;

/** Longest bearer token we bother hashing; anything longer is rejected without a lookup. */
export const MAX_API_KEY_LENGTH = 256;

/** A new key: `sk_` + 32 random bytes in base64url (256 bits of entropy). */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 (hex) of the full key. A fast hash is enough: keys are 256-bit random values, not passwords, so
 * there is nothing to brute-force or look up in a dictionary; a slow KDF would only cost latency per request.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part of a key that is stored in clear and shown in listings. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH);
}

/** Extracts the token of an `Authorization: Bearer <token>` header; undefined when absent or malformed. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  const token = match?.[1];
  return token && token.length <= MAX_API_KEY_LENGTH ? token : undefined;
}
