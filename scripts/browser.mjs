#!/usr/bin/env node
// The browser the browser tests drive: Debian's Chromium at /usr/bin/chromium, installed by the project itself
// (playwright-core never downloads a browser). `ensure` installs it with apt-get when it is missing (needs root)
// and prints its version; apt-get is idempotent, so a second run only checks.
//
//   node scripts/browser.mjs ensure
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** The launch flags for this machine's closed network (no background connections, no sandbox as root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function say(message) {
  process.stdout.write(`[browser] ${message}\n`);
}

function runStep(command, args) {
  say(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

export function chromiumVersion() {
  const result = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${CHROMIUM} --version failed: ${result.stderr || result.error}`);
  return result.stdout.trim();
}

export function ensureChromium() {
  if (!existsSync(CHROMIUM)) {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `${CHROMIUM} is missing and installing it needs root: run ` +
          '`apt-get install -y --no-install-recommends chromium` as root, then retry',
      );
    }
    say(`${CHROMIUM} is missing: installing Debian's chromium package`);
    runStep('apt-get', ['update']);
    runStep('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
    if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
  }
  const version = chromiumVersion();
  say(`${version} at ${CHROMIUM}`);
  return version;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const command = process.argv[2];
  if (command !== 'ensure') {
    process.stderr.write('usage: node scripts/browser.mjs ensure\n');
    process.exit(2);
  }
  try {
    ensureChromium();
  } catch (error) {
    process.stderr.write(`[browser] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
