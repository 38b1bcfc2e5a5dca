#!/usr/bin/env node
// `npm run start:distributed`: each service in its own process on a real Kafka broker (started by
// scripts/kafka.mjs unless KAFKA_BROKERS is set) and PostgreSQL (DATABASE_URL, default the local server).
// Runs the migrations first. Ctrl+C stops the services gracefully (the broker keeps running: `npm run kafka:stop`).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, log, runOrFail, ROOT } from './lib/project.mjs';
import { ensureKafka } from './kafka.mjs';

const SERVICES = [
  ['persistence', 3103],
  ['tool-runner', 3102],
  ['orchestrator', 3101],
  ['evaluator', 3104],
  ['gateway', Number(process.env.PORT ?? 3000)],
];

await ensureDependencies();
await ensureBuilt();
const { brokers } = await ensureKafka({});
const env = {
  ...process.env,
  MESSAGING_TRANSPORT: 'kafka',
  KAFKA_BROKERS: brokers,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sales_agent',
  PERSISTENCE_URL: process.env.PERSISTENCE_URL ?? 'http://127.0.0.1:3103',
  // The internal APIs (persistence, tool-runner) take this token, the gateway sends it: one per run unless set.
  INTERNAL_API_TOKEN: process.env.INTERNAL_API_TOKEN || randomBytes(32).toString('hex'),
};
log('start', 'applying migrations');
await runOrFail('start', process.execPath, [join(ROOT, 'dist/libs/runtime/src/cli/migrate.js'), 'up'], {
  env,
});

const children = SERVICES.map(([name, port]) => {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', join(ROOT, `dist/apps/${name}/src/main.js`)],
    {
      cwd: ROOT,
      env: { ...env, PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  child.on('exit', (code, signal) => log('start', `${name} exited (${signal ?? code})`));
  return child;
});
log('start', `gateway on http://127.0.0.1:${SERVICES.at(-1)[1]} — create an API key with:`);
log('start', '  npm run admin -- tenants create acme && npm run admin -- keys create acme');
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log('start', 'stopping services');
    for (const child of children) child.kill('SIGTERM');
  });
}
await Promise.all(children.map((c) => new Promise((resolve) => c.on('exit', resolve))));
