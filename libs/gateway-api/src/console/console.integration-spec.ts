import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService } from '@lib/runtime';
import { gatewayService } from '../gateway.service-definition';
import { startServiceStack, type ServiceStack } from '../testing/gateway-harness';
import { ConsoleSettings } from './console-settings';

/**
 * The web console's serving by a real gateway (HTTP on port 0, real PostgreSQL): static files with their
 * cache headers, the SPA fallback, /console/config.json with and without the development key, and the 503
 * problem when the console was not built. The assets are a small fake build in a temporary directory.
 */
const TRACE_VIEWER = 'http://127.0.0.1:16686';
const INDEX =
  '<!doctype html><title>console</title><script type="module" src="/console/assets/index-Ab12Cd.js"></script>';
const SCRIPT = 'console.log("console");';

describe('web console serving (gateway, PostgreSQL)', () => {
  let stack: ServiceStack;
  let gateway: RunningService;
  let settings: ConsoleSettings;
  let assets: string;
  let empty: string;

  const get = (path: string) => fetch(`${gateway.url}${path}`, { redirect: 'manual' });

  beforeAll(async () => {
    assets = mkdtempSync(join(tmpdir(), 'console-assets-'));
    mkdirSync(join(assets, 'assets'));
    writeFileSync(join(assets, 'index.html'), INDEX);
    writeFileSync(join(assets, 'assets', 'index-Ab12Cd.js'), SCRIPT);
    writeFileSync(join(assets, 'robots.txt'), 'User-agent: *\n');
    empty = mkdtempSync(join(tmpdir(), 'console-missing-'));
    writeFileSync(join(tmpdir(), 'console-secret.txt'), 'outside the console');

    stack = await startServiceStack('console_serving', { CONSOLE_TRACE_VIEWER_URL: TRACE_VIEWER });
    gateway = await stack.start(gatewayService);
    settings = gateway.app.get(ConsoleSettings);
  });

  beforeEach(() => {
    settings.assetsDir = assets;
    settings.developmentApiKey = undefined;
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(assets, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
    rmSync(join(tmpdir(), 'console-secret.txt'), { force: true });
  });

  it('redirects / and /console to /console/', async () => {
    for (const path of ['/', '/console']) {
      const response = await get(path);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/console/');
    }
  });

  it('serves index.html at /console/, revalidated on every load', async () => {
    const response = await get('/console/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX);
  });

  it('serves hashed assets as immutable, other files revalidated', async () => {
    const script = await get('/console/assets/index-Ab12Cd.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await script.text()).toBe(SCRIPT);

    const robots = await get('/console/robots.txt');
    expect(robots.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(robots.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers client routes with index.html (SPA fallback), but a missing asset with 404', async () => {
    for (const path of ['/console/conversations/0195f3a0-6c1e-7a4b-9d52-3f1a2b3c4d5e', '/console/insights']) {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(INDEX);
    }
    const missing = await get('/console/assets/index-gone.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('never serves a file outside the console directory', async () => {
    const response = await get('/console/..%2Fconsole-secret.txt');
    expect(await response.text()).not.toContain('outside the console');
  });

  it('GET /console/config.json: the trace viewer URL, and no development key outside embedded mode', async () => {
    const response = await get('/console/config.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ traceViewerUrl: TRACE_VIEWER });
  });

  it('GET /console/config.json includes the development key once the embedded launcher set it', async () => {
    settings.developmentApiKey = 'sk_dev_for_the_console_test';
    const response = await get('/console/config.json');
    expect(await response.json()).toEqual({
      devApiKey: 'sk_dev_for_the_console_test',
      traceViewerUrl: TRACE_VIEWER,
    });
  });

  it('answers 503 problem+json saying to run npm run build when the console is not built', async () => {
    settings.assetsDir = empty;
    for (const path of ['/console/', '/console/insights']) {
      const response = await get(path);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as { status: number; detail: string };
      expect(problem.status).toBe(503);
      expect(problem.detail).toContain('npm run build');
    }
  });

  it('keeps the API behind its API key', async () => {
    const response = await get('/v1/conversations');
    expect(response.status).toBe(401);
  });
});
