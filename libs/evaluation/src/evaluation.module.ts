import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@lib/runtime';
import {
  CONVERSATION_EVALUATION_CONFIG,
  ConversationEvaluationController,
  ConversationEvaluator,
  ConversationFactsRepository,
  IdleConversationSweeper,
  loadConversationEvaluationConfig,
} from './conversation';
import { EvaluatorConversationDeletedController } from './deletion/conversation-deleted.controller';
import { EvaluatorConversationDeletion } from './deletion/conversation-deletion.service';
import { EvaluationRepository } from './evaluation.repository';
import { EVALUATOR_DATABASE } from './evaluator-database';
import { EVALUATOR_CONFIG, loadEvaluatorConfig, type EvaluatorConfig } from './evaluator.config';
import { judgeFor } from './judge/reply-judge';
import {
  AlertWebhook,
  AlertWebhookController,
  AnomalyMonitor,
  loadMonitoringConfig,
  MONITORING_CONFIG,
  MonitoringEventsController,
} from './monitoring';
import { ReplyEventsController } from './reply-events.controller';
import { REPLY_JUDGE, ReplyEvaluator } from './reply-evaluator.service';
import { EvaluatorTurnEventsController } from './turns/turn-events.controller';
import { EvaluatorTurnStore } from './turns/turn-store';

/** The evaluator's behaviour. UnitOfWork and EventPublisher come from the runtime's global modules. */
@Module({
  controllers: [
    ReplyEventsController,
    EvaluatorTurnEventsController,
    EvaluatorConversationDeletedController,
    ConversationEvaluationController,
    MonitoringEventsController,
    AlertWebhookController,
  ],
  providers: [
    { provide: EVALUATOR_CONFIG, useFactory: () => loadEvaluatorConfig() },
    {
      provide: REPLY_JUDGE,
      inject: [EVALUATOR_CONFIG],
      useFactory: (config: EvaluatorConfig) => judgeFor(config.judge) ?? null,
    },
    EvaluationRepository,
    EvaluatorTurnStore,
    ReplyEvaluator,
    EvaluatorConversationDeletion,
    { provide: CONVERSATION_EVALUATION_CONFIG, useFactory: () => loadConversationEvaluationConfig() },
    ConversationFactsRepository,
    ConversationEvaluator,
    IdleConversationSweeper,
    { provide: MONITORING_CONFIG, useFactory: () => loadMonitoringConfig() },
    AnomalyMonitor,
    AlertWebhook,
  ],
  exports: [ReplyEvaluator],
})
export class EvaluationModule {}

export const evaluatorService: ServiceDefinition = {
  name: 'evaluator',
  database: EVALUATOR_DATABASE,
  module: EvaluationModule,
  defaultPort: 3104,
  delivery: 'shared',
};
