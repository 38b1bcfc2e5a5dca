// Helpers shared by the project's scripts (Node built-ins only: they run before `npm ci`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function log(scope, message) {
  process.stderr.write(`[${scope}] ${message}\n`);
}

/** Runs a command with inherited stdio; resolves with its exit code. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export async function runOrFail(scope, command, args, options) {
  const code = await run(command, args, options);
  if (code !== 0) {
    log(scope, `failed: ${command} ${args.join(' ')} (exit ${code})`);
    process.exit(code);
  }
}

/** `npm ci` when node_modules is missing or older than the lockfile. */
export async function ensureDependencies() {
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  log('setup', 'installing dependencies (npm ci)');
  await runOrFail('setup', 'npm', ['ci', '--no-audit', '--no-fund']);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles to dist/ unless dist is newer than every source file. */
export async function ensureBuilt({ force = false } = {}) {
  const marker = join(ROOT, 'dist', 'apps', 'embedded', 'src', 'main.js');
  const sources = Math.max(newestMtime(join(ROOT, 'apps')), newestMtime(join(ROOT, 'libs')));
  if (!force && existsSync(marker) && statSync(marker).mtimeMs > sources) return;
  log('setup', 'compiling TypeScript (npm run build)');
  await runOrFail('setup', 'npm', ['run', '--silent', 'build']);
}

/** True when a PostgreSQL server answers at the URL (pg_isready from the PostgreSQL client package). */
export function postgresReachable(url) {
  const u = new URL(url);
  const result = spawnSync('pg_isready', ['-h', u.hostname, '-p', u.port || '5432', '-t', '3'], {
    stdio: 'ignore',
  });
  if (result.error) return undefined; // pg_isready not installed: unknown
  return result.status === 0;
}
