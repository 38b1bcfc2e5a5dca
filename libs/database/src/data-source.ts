import { DataSource, type EntitySchema, type MixedList } from 'typeorm';

export type EntityList = MixedList<string | EntitySchema | (new () => unknown)>;
export type MigrationList = MixedList<string | (new () => unknown)>;

/** What a service keeps in PostgreSQL: its own schema, its entities and its migrations. */
export interface ServiceDatabase {
  /** The PostgreSQL schema the service owns. No other service reads it. */
  readonly schema: string;
  readonly entities: EntityList;
  readonly migrations: MigrationList;
}

export interface DataSourceOptions {
  readonly url: string;
  readonly applicationName: string;
  readonly poolSize?: number;
  /** Only for unit tests: never in a running service. */
  readonly synchronize?: boolean;
}

/** A DataSource bound to the service's own schema; migrations are tracked in `<schema>.migrations`. */
export function createServiceDataSource(database: ServiceDatabase, options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: database.schema,
    entities: database.entities,
    migrations: database.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: options.synchronize ?? false,
    applicationName: options.applicationName,
    poolSize: options.poolSize ?? 10,
    extra: { connectionTimeoutMillis: 10_000 },
  });
}

/** Creates the schema (migrations need it for their own table), then applies pending migrations. */
export async function runMigrations(dataSource: DataSource, schema: string): Promise<string[]> {
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

/** Reverts every applied migration of the service, newest first. */
export async function revertAllMigrations(dataSource: DataSource): Promise<number> {
  const table = `"${schemaOf(dataSource)}"."migrations"`;
  let reverted = 0;
  for (;;) {
    const applied: unknown[] = await dataSource.query(`SELECT 1 FROM ${table} LIMIT 1`);
    if (applied.length === 0) return reverted;
    await dataSource.undoLastMigration({ transaction: 'each' });
    reverted += 1;
  }
}

export function schemaOf(dataSource: DataSource): string {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('DataSource has no schema');
  return schema;
}
