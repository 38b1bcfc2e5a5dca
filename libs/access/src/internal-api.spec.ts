import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hasInternalToken, internalApiAuth, internalAuthHeaders } from './internal-api';

const TOKEN = 'internal-token-for-the-unit-test-0123456789';

describe('internal API token', () => {
  it('accepts exactly the configured bearer token', () => {
    expect(hasInternalToken(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(hasInternalToken(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(hasInternalToken(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(hasInternalToken(`Bearer ${TOKEN.slice(1)}`, TOKEN)).toBe(false);
    expect(hasInternalToken(TOKEN, TOKEN)).toBe(false);
    expect(hasInternalToken(undefined, TOKEN)).toBe(false);
  });

  it('makes the clients send it only when configured', () => {
    expect(internalAuthHeaders(TOKEN)).toEqual({ authorization: `Bearer ${TOKEN}` });
    expect(internalAuthHeaders(undefined)).toEqual({});
  });

  describe('middleware', () => {
    let server: Server;
    let url: string;

    beforeAll(async () => {
      const auth = internalApiAuth(TOKEN);
      server = createServer((request, response) =>
        auth(request, response, () => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{"ok":true}');
        }),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/v1/x`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('answers 401 problem+json without the token, and lets the token through', async () => {
      const denied = await fetch(url, { headers: { authorization: 'Bearer wrong' } });
      expect(denied.status).toBe(401);
      expect(denied.headers.get('content-type')).toBe('application/problem+json');
      expect(await denied.json()).toMatchObject({
        status: 401,
        detail: expect.stringMatching(/INTERNAL_API_TOKEN/),
      });
      const missing = await fetch(url);
      expect(missing.status).toBe(401);
      await missing.body?.cancel();
      const allowed = await fetch(url, { headers: internalAuthHeaders(TOKEN) });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toEqual({ ok: true });
    });
  });
});
