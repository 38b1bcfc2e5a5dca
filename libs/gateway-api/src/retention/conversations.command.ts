import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Id } from '@lib/contracts';
import { AccessRepository, AccessService } from '@lib/access';
import type { UnitOfWork } from '@lib/database';
import type { EventPublisher } from '@lib/messaging';
import { ConversationDeletion } from '../deletion/conversation-deletion.service';
import { DeletedConversationsRepository } from '../deletion/deleted-conversations.repository';
import { RetentionRepository, type ExpiredConversation } from './retention.repository';

export interface ConversationsCommandOutput {
  out(text: string): void;
  err(text: string): void;
}

export interface ConversationsCommandDependencies {
  /** The gateway's database. */
  readonly uow: UnitOfWork;
  /** Publishes through the gateway's outbox (inside the deletion's unit of work). */
  readonly publisher: EventPublisher;
  readonly output?: ConversationsCommandOutput;
  readonly now?: () => Date;
}

const consoleOutput: ConversationsCommandOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

class CommandFailed extends Error {}

const uuidOption = (value: string): string => {
  if (!Id.safeParse(value).success) throw new InvalidArgumentError('a conversation id (uuid)');
  return value;
};

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('an integer in 1..10000');
  return n;
};

/**
 * The conversations command, on the gateway's database (the events go through the gateway's outbox):
 *   delete --tenant <id|name> --conversation <id>     deletes one conversation everywhere (reason `request`)
 *   retention [--dry-run] [--tenant <id|name>] [--batch <n>]
 *       deletes every conversation past its tenant's retention period (reason `retention`), by batches, with
 *       progress on stderr; --dry-run lists them and deletes nothing.
 * `argv` holds the user's arguments only. Returns the exit code (0 ok, 1 failure, 2 usage); never exits.
 */
export async function runConversationsCommand(
  argv: readonly string[],
  dependencies: ConversationsCommandDependencies,
): Promise<number> {
  const { uow, publisher } = dependencies;
  const output = dependencies.output ?? consoleOutput;
  const now = dependencies.now ?? (() => new Date());
  const access = new AccessService(new AccessRepository(uow));
  const retention = new RetentionRepository(uow);
  const deletion = new ConversationDeletion(uow, new DeletedConversationsRepository(uow), publisher);
  const print = (value: unknown): void => output.out(`${JSON.stringify(value)}\n`);
  const tenantOf = async (idOrName: string) => {
    const tenant = await access.findTenant(idOrName);
    if (!tenant) throw new CommandFailed(`tenant ${idOrName} not found`);
    return tenant;
  };

  const program = new Command('conversations')
    .description('Delete conversations everywhere they are stored, one or by retention period')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) });

  program
    .command('delete')
    .description('delete one conversation of a tenant, everywhere (like DELETE /v1/conversations/{id})')
    .requiredOption('--tenant <tenant>', 'tenant id or name')
    .requiredOption('--conversation <id>', 'conversation id', uuidOption)
    .action(async (options: { tenant: string; conversation: string }) => {
      const tenant = await tenantOf(options.tenant);
      const outcome = await deletion.delete({
        tenantId: tenant.id,
        conversationId: options.conversation,
        reason: 'request',
        requestedBy: 'cli',
      });
      if (outcome.kind === 'not_found') {
        throw new CommandFailed(`tenant ${tenant.name} has no conversation ${options.conversation}`);
      }
      const { reason, deletedAt } = outcome.tombstone;
      if (outcome.kind === 'already_deleted') output.err(`already deleted at ${deletedAt}: nothing to do\n`);
      print({ conversationId: options.conversation, status: 'deleted', reason, deletedAt });
    });

  program
    .command('retention')
    .description("delete the conversations past their tenant's retention period (all tenants by default)")
    .option('--dry-run', 'list what would be deleted, delete nothing', false)
    .option('--tenant <tenant>', 'only this tenant (id or name)')
    .option('--batch <n>', 'conversations per batch', positiveInt, 500)
    .action(async (options: { dryRun: boolean; tenant?: string; batch: number }) => {
      const tenantId = options.tenant ? (await tenantOf(options.tenant)).id : undefined;
      const cutoffNow = now();
      const done = await retention.withSweepLock(() =>
        options.dryRun
          ? dryRun(retention, cutoffNow, tenantId, output)
          : sweepAll(retention, deletion, cutoffNow, tenantId, options.batch, output),
      );
      if (done === undefined) {
        throw new CommandFailed(
          'another retention sweep is running (a gateway instance or this command): try again shortly',
        );
      }
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    output.err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Per tenant: how many conversations, and the retention period. */
function summarise(conversations: readonly ExpiredConversation[]): Map<string, { days: number; n: number }> {
  const byTenant = new Map<string, { days: number; n: number }>();
  for (const c of conversations) {
    const entry = byTenant.get(c.tenantName) ?? { days: c.retentionDays, n: 0 };
    entry.n += 1;
    byTenant.set(c.tenantName, entry);
  }
  return byTenant;
}

const DRY_RUN_PAGE = 100_000;

async function dryRun(
  retention: RetentionRepository,
  now: Date,
  tenantId: string | undefined,
  output: ConversationsCommandOutput,
): Promise<true> {
  const expired = await retention.expired(now, DRY_RUN_PAGE, tenantId);
  for (const c of expired) {
    output.out(
      `would delete ${c.conversationId}  tenant ${c.tenantName}  last activity ${c.lastActivityAt}\n`,
    );
  }
  for (const [name, { days, n }] of summarise(expired)) {
    output.out(`tenant ${name} (retention ${days} days): ${n} conversation(s) would be deleted\n`);
  }
  output.out(
    `dry run: ${expired.length}${expired.length === DRY_RUN_PAGE ? '+' : ''} conversation(s) past their ` +
      `retention period, nothing deleted\n`,
  );
  return true;
}

async function sweepAll(
  retention: RetentionRepository,
  deletion: ConversationDeletion,
  now: Date,
  tenantId: string | undefined,
  batch: number,
  output: ConversationsCommandOutput,
): Promise<true> {
  const started = Date.now();
  const deleted: ExpiredConversation[] = [];
  for (;;) {
    const expired = await retention.expired(now, batch, tenantId);
    if (expired.length === 0) break;
    for (const c of expired) {
      const outcome = await deletion.delete({
        tenantId: c.tenantId,
        conversationId: c.conversationId,
        reason: 'retention',
        requestedBy: 'retention',
      });
      if (outcome.kind === 'deleted') deleted.push(c);
    }
    const seconds = (Date.now() - started) / 1000;
    output.err(
      `[${deleted.length} deleted] ${(deleted.length / Math.max(seconds, 0.001)).toFixed(1)} conversations/s\n`,
    );
    if (expired.length < batch) break;
  }
  for (const [name, { days, n }] of summarise(deleted)) {
    output.out(`tenant ${name} (retention ${days} days): ${n} conversation(s) deleted\n`);
  }
  output.out(`${deleted.length} conversation(s) deleted\n`);
  return true;
}
