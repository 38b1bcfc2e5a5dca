import { Command } from 'commander';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { createServiceDataSource, revertAllMigrations, runMigrations } from '@lib/database';
import { ensureDatabaseExists } from '../database-bootstrap';
import { ALL_SERVICES, serviceByName } from '../services';
import type { ServiceDefinition } from '../service-definition';

/**
 * `npm run migrate -- [up|down|status] [--service <name>]`: applies, reverts or lists each service's
 * migrations in its own schema of DATABASE_URL. Services never migrate themselves in production.
 */
async function withDataSource<T>(
  service: ServiceDefinition,
  work: (ds: ReturnType<typeof createServiceDataSource>) => Promise<T>,
): Promise<T> {
  const { DATABASE_URL } = loadConfig(CommonConfigSchema);
  const ds = createServiceDataSource(service.database, { url: DATABASE_URL, applicationName: 'migrate' });
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

const selected = (name?: string): readonly ServiceDefinition[] =>
  name ? [serviceByName(name)] : ALL_SERVICES;

const program = new Command('migrate')
  .description('Database migrations of the five services (each owns a schema)')
  .option('-s, --service <name>', 'only this service');

program
  .command('up', { isDefault: true })
  .description('apply pending migrations (creates the database and schemas when missing)')
  .action(async () => {
    const { DATABASE_URL } = loadConfig(CommonConfigSchema);
    await ensureDatabaseExists(DATABASE_URL);
    for (const service of selected(program.opts<{ service?: string }>().service)) {
      const applied = await withDataSource(service, (ds) => runMigrations(ds, service.database.schema));
      console.log(`${service.name}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
    }
  });

program
  .command('down')
  .description('revert every migration of the selected services (drops their tables)')
  .action(async () => {
    for (const service of [...selected(program.opts<{ service?: string }>().service)].reverse()) {
      const reverted = await withDataSource(service, (ds) => revertAllMigrations(ds));
      console.log(`${service.name}: reverted ${reverted} migration(s)`);
    }
  });

program
  .command('status')
  .description('list applied and pending migrations')
  .action(async () => {
    for (const service of selected(program.opts<{ service?: string }>().service)) {
      await withDataSource(service, async (ds) => {
        await ds.query(`CREATE SCHEMA IF NOT EXISTS "${service.database.schema}"`);
        const pending = await ds.showMigrations();
        console.log(
          `${service.name} (schema ${service.database.schema}): ${pending ? 'pending migrations' : 'up to date'}`,
        );
      });
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
