import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  CONVERSATION_EVALUATION_CONFIG,
  type ConversationEvaluationConfig,
} from './conversation-evaluation.config';
import { ConversationEvaluator } from './conversation-evaluator.service';
import { ConversationFactsRepository } from './conversation-facts.repository';

export interface IdleSweepResult {
  readonly evaluated: number;
  /** The batch was full: more idle conversations are left for the next sweep. */
  readonly more: boolean;
}

/**
 * Every EVALUATOR_IDLE_SWEEP_INTERVAL_MS (0: never), evaluates the conversations with no turn for
 * EVALUATOR_IDLE_AFTER_MS and none evaluated since their last turn (trigger `idle`), oldest first, at most
 * EVALUATOR_IDLE_SWEEP_BATCH per sweep. One sweep at a time across instances (session advisory lock: the
 * others skip); each conversation is evaluated in its own unit of work under its lock.
 */
@Injectable()
export class IdleConversationSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IdleConversationSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly facts: ConversationFactsRepository,
    private readonly evaluator: ConversationEvaluator,
    @Inject(CONVERSATION_EVALUATION_CONFIG) private readonly config: ConversationEvaluationConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.sweepIntervalMs === 0) return;
    this.timer = setInterval(() => this.kick(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One sweep at `now`; undefined when another instance is sweeping. */
  async sweep(now: Date = new Date()): Promise<IdleSweepResult | undefined> {
    const cutoff = new Date(now.getTime() - this.config.idleAfterMs);
    const result = await this.facts.withSweepLock(async () => {
      const idle = await this.facts.inTransaction(() => this.facts.idle(cutoff, this.config.sweepBatch));
      let evaluated = 0;
      for (const conversation of idle) {
        if (await this.evaluator.evaluateIdle(conversation.conversationId, cutoff)) evaluated++;
      }
      return { evaluated, more: idle.length === this.config.sweepBatch };
    });
    if (!result) this.logger.debug('idle sweep skipped: another one is running');
    else if (result.evaluated > 0)
      this.logger.log(
        `idle sweep: ${result.evaluated} conversation(s) evaluated${result.more ? '; more left' : ''}`,
      );
    return result;
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.sweep()
      .catch((error: unknown) =>
        this.logger.warn(`idle sweep failed, retried at the next one: ${String(error)}`),
      )
      .finally(() => (this.running = undefined));
  }
}
