import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '@lib/testing';

/** Debian's Chromium, installed by `node scripts/browser.mjs ensure` (playwright-core downloads no browser). */
export const CHROMIUM = '/usr/bin/chromium';

/** Launch flags for a closed network: no background connections, no sandbox (CI runs as root). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');
export const SCREENSHOTS_DIR = join(ARTIFACTS_DIR, 'screenshots');

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * One Chromium with a fresh profile, one page, and the page's console log. `screenshot(name)` saves
 * `test-artifacts/screenshots/<name>.png`; `step` runs a test body and, when it fails, saves a screenshot and
 * the page's console log under `test-artifacts/failures/` before rethrowing.
 */
export class BrowserFixture {
  private readonly profileDir = mkdtempSync(join(tmpdir(), 'sales-agent-chromium-'));
  private context?: BrowserContext;
  private currentPage?: Page;
  readonly consoleLog: string[] = [];

  get page(): Page {
    if (!this.currentPage) throw new Error('the browser is not started');
    return this.currentPage;
  }

  async start(): Promise<void> {
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    // A fresh, empty profile (playwright passes it as --user-data-dir).
    this.context = await chromium.launchPersistentContext(this.profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: LAPTOP,
      reducedMotion: 'reduce',
    });
    this.context.setDefaultTimeout(30_000);
    this.currentPage = this.context.pages()[0] ?? (await this.context.newPage());
    this.page.on('console', (message) => this.consoleLog.push(`[${message.type()}] ${message.text()}`));
    this.page.on('pageerror', (error) => this.consoleLog.push(`[pageerror] ${error.message}`));
    this.page.on('requestfailed', (request) =>
      this.consoleLog.push(
        `[requestfailed] ${request.method()} ${request.url()} ${request.failure()?.errorText}`,
      ),
    );
  }

  async screenshot(name: string): Promise<string> {
    const path = join(SCREENSHOTS_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: false });
    return path;
  }

  /** Runs `body`; on failure saves `test-artifacts/failures/<name>.png` and `<name>.console.log`. */
  async step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      const dir = join(ARTIFACTS_DIR, 'failures');
      mkdirSync(dir, { recursive: true });
      await this.currentPage
        ?.screenshot({ path: join(dir, `${slug}.png`), fullPage: true })
        .catch(() => undefined);
      writeFileSync(join(dir, `${slug}.console.log`), `${this.page.url()}\n${this.consoleLog.join('\n')}\n`);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.context?.close();
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}
