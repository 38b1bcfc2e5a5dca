import { CommonConfigSchema, loadConfig } from '@lib/config';
import { createServiceDataSource, UnitOfWork } from '@lib/database';
import { GATEWAY_DATABASE, runAccessCommand } from '@lib/gateway-api';

/**
 * `npm run admin -- <command>`: tenants and API keys (stored hashed; a key is printed once, at creation).
 *   tenants create <name> | tenants list | keys create <tenant id or name> [--name <label>] | keys revoke <key id>
 */
async function main(): Promise<number> {
  const { DATABASE_URL } = loadConfig(CommonConfigSchema);
  const dataSource = createServiceDataSource(GATEWAY_DATABASE, {
    url: DATABASE_URL,
    applicationName: 'admin',
  });
  await dataSource.initialize();
  try {
    return await runAccessCommand(process.argv.slice(2), new UnitOfWork(dataSource));
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`admin failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
