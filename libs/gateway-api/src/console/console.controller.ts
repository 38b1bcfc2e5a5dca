import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '../http/problem';
import { ConsoleSettings } from './console-settings';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite's hashed output (assets/name-<hash>.ext) never changes under the same name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** The public console config: what the single-page app needs before sign-in. */
export interface ConsoleConfigView {
  devApiKey?: string;
  traceViewerUrl?: string;
}

/**
 * Serves the web console (apps/console, built into dist/console) at /console/: hashed assets cached for
 * good, index.html revalidated, every other path under /console/ answered with index.html (client routes).
 * `/` redirects to `/console/`. No API key is needed: the app itself signs in against the /v1 API.
 */
@ApiExcludeController()
@Controller()
export class ConsoleController {
  constructor(
    private readonly settings: ConsoleSettings,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  root(@Res() response: ServerResponse): void {
    redirect(response, '/console/');
  }

  @Get('console/config.json')
  consoleConfig(@Res() response: ServerResponse): void {
    const body: ConsoleConfigView = {
      ...(this.settings.developmentApiKey ? { devApiKey: this.settings.developmentApiKey } : {}),
      ...(this.config.CONSOLE_TRACE_VIEWER_URL
        ? { traceViewerUrl: this.config.CONSOLE_TRACE_VIEWER_URL }
        : {}),
    };
    const json = JSON.stringify(body);
    response.statusCode = 200;
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.end(json);
  }

  @Get(['console', 'console/*path'])
  async asset(@Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    const pathname = new URL(request.url ?? '/', 'http://console.invalid').pathname;
    if (pathname === '/console') return redirect(response, '/console/');
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice('/console/'.length));
    } catch {
      throw new NotFoundException('malformed console path');
    }
    const root = resolve(this.settings.assetsDir);
    const index = await fileAt(resolve(root, 'index.html'));
    if (!index) return notBuilt(response, pathname);
    const target = resolve(root, relative);
    const inside = relative !== '' && target.startsWith(root + sep);
    const file = inside ? await fileAt(target) : undefined;
    if (file) return send(response, target, file, relative.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
    // A missing hashed asset is a real 404 (an old index.html in a cache), not a client route.
    if (relative.startsWith('assets/')) throw new NotFoundException(`no console asset ${relative}`);
    return send(response, resolve(root, 'index.html'), index, REVALIDATE);
  }
}

async function fileAt(path: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

/** 503 with its detail (the problem filter keeps 5xx details to itself: this one is meant for the operator). */
function notBuilt(response: ServerResponse, instance: string): void {
  const problem: ProblemDetails = {
    type: 'urn:sales-agent:problem:console-not-built',
    title: 'Service Unavailable',
    status: 503,
    detail: 'The web console is not built: run `npm run build` (or `npm run console:build`), then reload.',
    instance,
  };
  response.statusCode = 503;
  response.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  response.setHeader('Cache-Control', 'no-store');
  response.end(JSON.stringify(problem));
}

function redirect(response: ServerResponse, location: string): void {
  response.statusCode = 302;
  response.setHeader('Location', location);
  response.end();
}

function send(response: ServerResponse, path: string, stats: Stats, cacheControl: string): Promise<void> {
  response.statusCode = 200;
  response.setHeader('Content-Type', CONTENT_TYPES[extname(path)] ?? 'application/octet-stream');
  response.setHeader('Content-Length', stats.size);
  response.setHeader('Cache-Control', cacheControl);
  response.setHeader('Last-Modified', stats.mtime.toUTCString());
  response.setHeader('X-Content-Type-Options', 'nosniff');
  return pipeline(createReadStream(path), response);
}
