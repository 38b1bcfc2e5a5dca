import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@lib/runtime';
import { LanguageModel } from './model/language-model';
import { OfflineLanguageModel } from './offline/offline-language-model';
import { loadOrchestratorConfig, ORCHESTRATOR_CONFIG } from './orchestrator.config';
import { ORCHESTRATOR_DATABASE } from './workflow/orchestrator-database';
import { TurnEventsController } from './workflow/turn-events.controller';
import { TurnTimeoutSweeper } from './workflow/turn-timeout.sweeper';
import { TurnWorkflow } from './workflow/turn-workflow.service';
import { TurnRepository } from './workflow/turn.repository';

/**
 * The orchestrator's behaviour. Needs, from the runtime: UnitOfWork (DatabaseModule) and EventPublisher
 * (MessagingModule), both global. The language model is the offline rule engine for now.
 */
@Module({
  controllers: [TurnEventsController],
  providers: [
    { provide: ORCHESTRATOR_CONFIG, useFactory: () => loadOrchestratorConfig() },
    { provide: LanguageModel, useClass: OfflineLanguageModel },
    TurnRepository,
    TurnWorkflow,
    TurnTimeoutSweeper,
  ],
  exports: [TurnWorkflow, LanguageModel],
})
export class OrchestratorModule {}

export const orchestratorService: ServiceDefinition = {
  name: 'orchestrator',
  database: ORCHESTRATOR_DATABASE,
  module: OrchestratorModule,
  defaultPort: 3101,
  delivery: 'shared',
};
