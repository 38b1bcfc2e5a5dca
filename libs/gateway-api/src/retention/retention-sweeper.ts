import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConversationDeletion } from '../deletion/conversation-deletion.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { RetentionRepository, type ExpiredConversation } from './retention.repository';

export interface SweepResult {
  readonly deleted: number;
  /** Conversations deleted per tenant name. */
  readonly byTenant: Readonly<Record<string, number>>;
  /** The batch was full: more expired conversations are left for the next sweep. */
  readonly more: boolean;
}

/**
 * Deletes, every RETENTION_SWEEP_INTERVAL_MS (0: never), the conversations past their tenant's retention
 * period, through the same deletion as the API (reason `retention`). At most RETENTION_SWEEP_BATCH per sweep,
 * oldest first; one sweep at a time across instances (a PostgreSQL advisory lock: the others skip).
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly retention: RetentionRepository,
    private readonly deletion: ConversationDeletion,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.RETENTION_SWEEP_INTERVAL_MS;
    if (interval === 0) return;
    this.timer = setInterval(() => this.kick(), interval);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /**
   * One sweep: deletes up to a batch of expired conversations. `undefined` when another sweep holds the
   * lock (nothing done here).
   */
  async sweep(now: Date = new Date()): Promise<SweepResult | undefined> {
    const result = await this.retention.withSweepLock(async () => {
      const batch = this.config.RETENTION_SWEEP_BATCH;
      const expired = await this.retention.expired(now, batch);
      const byTenant: Record<string, number> = {};
      for (const conversation of expired) {
        if (await this.deleteOne(conversation)) {
          byTenant[conversation.tenantName] = (byTenant[conversation.tenantName] ?? 0) + 1;
        }
      }
      const deleted = Object.values(byTenant).reduce((a, b) => a + b, 0);
      return { deleted, byTenant, more: expired.length === batch };
    });
    if (!result) this.logger.debug('retention sweep skipped: another one is running');
    else if (result.deleted > 0 || result.more) {
      const tenants = Object.entries(result.byTenant)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ');
      this.logger.log(
        `retention sweep: ${result.deleted} conversation(s) deleted (${tenants})` +
          (result.more ? '; more left for the next sweep' : ''),
      );
    }
    return result;
  }

  private async deleteOne(conversation: ExpiredConversation): Promise<boolean> {
    const outcome = await this.deletion.delete({
      tenantId: conversation.tenantId,
      conversationId: conversation.conversationId,
      reason: 'retention',
      requestedBy: 'retention',
    });
    return outcome.kind === 'deleted';
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.sweep()
      .catch((error: unknown) =>
        this.logger.warn(`retention sweep failed, retried at the next one: ${String(error)}`),
      )
      .finally(() => (this.running = undefined));
  }
}
