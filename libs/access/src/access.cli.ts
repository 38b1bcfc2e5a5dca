import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import type { UnitOfWork } from '@lib/database';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';
import { TenantNameTakenError, TenantNotFoundError } from './access.types';

export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const consoleOutput: CommandOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

class CommandFailed extends Error {}

/**
 * The access CLI: `tenants create <name>`, `tenants list`, `keys create <tenantId|tenantName> [--name]`,
 * `keys list <tenant>`, `keys revoke <id>`. Prints JSON on stdout (a created key is shown once, there).
 * `argv` holds the user's arguments only (no node/script path). Returns the exit code; never exits.
 */
export async function runAccessCommand(
  argv: readonly string[],
  uow: UnitOfWork,
  output: CommandOutput = consoleOutput,
): Promise<number> {
  const access = new AccessService(new AccessRepository(uow));
  const print = (value: unknown): void => output.out(`${JSON.stringify(value, null, 2)}\n`);
  const tenantOf = async (idOrName: string) => {
    const tenant = await access.findTenant(idOrName);
    if (!tenant) throw new CommandFailed(`tenant ${idOrName} not found`);
    return tenant;
  };

  const program = new Command('access')
    .description('Manage tenants and their API keys')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) });

  const tenants = program.command('tenants').description('tenants');
  tenants
    .command('create <name>')
    .description('create a tenant')
    .action(async (name: string) => print(await access.createTenant(name)));
  tenants
    .command('list')
    .description('list tenants')
    .action(async () => print(await access.listTenants()));

  const keys = program.command('keys').description('API keys');
  keys
    .command('create <tenant>')
    .description('create an API key for a tenant (id or name); the key is printed once, store it now')
    .option('--name <name>', 'what the key is for', 'default')
    .action(async (tenant: string, options: { name: string }) => {
      const created = await access.createApiKey((await tenantOf(tenant)).id, options.name);
      print(created);
      output.err('Store this key now: it is not stored anywhere and cannot be shown again.\n');
    });
  keys
    .command('list <tenant>')
    .description("list a tenant's API keys (prefixes only)")
    .action(async (tenant: string) => print(await access.listApiKeys((await tenantOf(tenant)).id)));
  keys
    .command('revoke <id>')
    .description('revoke an API key (requests with it get 401 at once)')
    .action(async (id: string) => {
      if (!(await access.revokeApiKey(id)))
        throw new CommandFailed(`api key ${id} not found or already revoked`);
      print({ id, revoked: true });
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    output.err(`error: ${describe(error)}\n`);
    return 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError) return error.issues.map((i) => i.message).join('; ');
  if (
    error instanceof CommandFailed ||
    error instanceof TenantNameTakenError ||
    error instanceof TenantNotFoundError
  ) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
