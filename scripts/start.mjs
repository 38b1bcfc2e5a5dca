#!/usr/bin/env node
// `npm start`: the whole system in one process (embedded mode) — no Docker, no Kafka, no API key needed.
// Installs dependencies and compiles when needed, then runs dist/apps/embedded.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, ROOT } from './lib/project.mjs';

await ensureDependencies();
await ensureBuilt();
const child = spawn(
  process.execPath,
  ['--enable-source-maps', join(ROOT, 'dist/apps/embedded/src/main.js')],
  {
    cwd: ROOT,
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 1));
