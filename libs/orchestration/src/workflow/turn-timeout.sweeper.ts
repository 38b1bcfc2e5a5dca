import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config';
import { TurnWorkflow } from './turn-workflow.service';

/** Periodically answers turns whose tools never answered (see `TurnWorkflow.expireOverdueTurns`). */
@Injectable()
export class TurnTimeoutSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TurnTimeoutSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly workflow: TurnWorkflow,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweep(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private sweep(): void {
    if (this.running) return;
    this.running = this.workflow
      .expireOverdueTurns()
      .then((expired) => {
        if (expired > 0) this.logger.warn(`answered ${expired} turn(s) after a tool timeout`);
      })
      .catch((error: unknown) => this.logger.error(`timeout sweep failed: ${String(error)}`))
      .finally(() => {
        this.running = undefined;
      });
  }
}
