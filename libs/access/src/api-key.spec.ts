import { createHash } from 'node:crypto';
import {
  API_KEY_DISPLAY_PREFIX_LENGTH,
  apiKeyDisplayPrefix,
  bearerToken,
  generateApiKey,
  hashApiKey,
} from './api-key';

describe('API keys', () => {
  it('are sk_ + 32 random bytes in base64url', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
  });

  it('are stored as the SHA-256 hex of the whole key', () => {
    expect(hashApiKey('sk_abc')).toBe(createHash('sha256').update('sk_abc').digest('hex'));
    // Known vector: a change of algorithm or encoding would lock every existing key out.
    expect(hashApiKey('sk_abc')).toBe('7c8d93f8ffb4cdb85b2a4b0c10886a66959da2eb67707b1c54718850a56d158c');
    expect(hashApiKey('sk_abd')).not.toBe(hashApiKey('sk_abc'));
  });

  it('show only their first characters', () => {
    const key = generateApiKey();
    expect(apiKeyDisplayPrefix(key)).toBe(key.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH));
    expect(apiKeyDisplayPrefix(key)).toHaveLength(8);
  });
});

describe('bearerToken', () => {
  it('reads the token of an Authorization: Bearer header', () => {
    expect(bearerToken('Bearer sk_123')).toBe('sk_123');
    expect(bearerToken('bearer   sk_123 ')).toBe('sk_123');
    expect(bearerToken(['Bearer sk_1', 'Bearer sk_2'])).toBe('sk_1');
  });

  it('rejects other schemes, empty and oversized tokens', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(`Bearer ${'x'.repeat(257)}`)).toBeUndefined();
  });
});
