import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@lib/runtime';
import { OrchestratorConversationDeletedController } from './deletion/conversation-deleted.controller';
import { OrchestratorConversationDeletion } from './deletion/conversation-deletion.service';
import { LanguageModel } from './model/language-model';
import { selectLanguageModel } from './model/model-selection';
import { loadOrchestratorConfig, ORCHESTRATOR_CONFIG, type OrchestratorConfig } from './orchestrator.config';
import { ORCHESTRATOR_DATABASE } from './workflow/orchestrator-database';
import { TurnEventsController } from './workflow/turn-events.controller';
import { TurnTimeoutSweeper } from './workflow/turn-timeout.sweeper';
import { TurnWorkflow } from './workflow/turn-workflow.service';
import { TurnRepository } from './workflow/turn.repository';

/**
 * The orchestrator's behaviour. Needs, from the runtime: UnitOfWork (DatabaseModule) and EventPublisher
 * (MessagingModule), both global. The language model is Claude when `ANTHROPIC_API_KEY` is set, else the
 * offline rule engine (`selectLanguageModel`).
 */
@Module({
  controllers: [TurnEventsController, OrchestratorConversationDeletedController],
  providers: [
    { provide: ORCHESTRATOR_CONFIG, useFactory: () => loadOrchestratorConfig() },
    {
      provide: LanguageModel,
      inject: [ORCHESTRATOR_CONFIG],
      useFactory: (config: OrchestratorConfig) => selectLanguageModel(config),
    },
    TurnRepository,
    TurnWorkflow,
    TurnTimeoutSweeper,
    OrchestratorConversationDeletion,
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
