import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, runMigrations, UnitOfWork, type ServiceDatabase } from '@lib/database';

/** Server used by integration tests: TEST_DATABASE_URL, else DATABASE_URL, else the local PostgreSQL. */
export function testServerUrl(): string {
  return (
    process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(testServerUrl(), 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test suite (suites run in parallel and never share data).
 * Dropping is guarded: only databases this helper created (prefix `test_`) are ever dropped.
 */
export async function createTestDatabase(label = 'suite'): Promise<TestDatabase> {
  const name = `test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: withDatabase(testServerUrl(), name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

export interface MigratedServiceDatabase {
  readonly database: TestDatabase;
  readonly dataSource: DataSource;
  readonly uow: UnitOfWork;
  close(): Promise<void>;
}

/** A fresh database with the service's migrations applied, for repository and handler tests. */
export async function createMigratedDatabase(service: ServiceDatabase): Promise<MigratedServiceDatabase> {
  const database = await createTestDatabase(service.schema);
  const dataSource = createServiceDataSource(service, {
    url: database.url,
    applicationName: 'test',
    poolSize: 4,
  });
  await dataSource.initialize();
  await runMigrations(dataSource, service.schema);
  return {
    database,
    dataSource,
    uow: new UnitOfWork(dataSource),
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.drop();
    },
  };
}
