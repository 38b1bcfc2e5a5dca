import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@lib/runtime';
import { EvaluationRepository } from './evaluation.repository';
import { EVALUATOR_DATABASE } from './evaluator-database';
import { EVALUATOR_CONFIG, loadEvaluatorConfig } from './evaluator.config';
import { ReplyEventsController } from './reply-events.controller';
import { ReplyEvaluator } from './reply-evaluator.service';

/** The evaluator's behaviour. UnitOfWork and EventPublisher come from the runtime's global modules. */
@Module({
  controllers: [ReplyEventsController],
  providers: [
    { provide: EVALUATOR_CONFIG, useFactory: () => loadEvaluatorConfig() },
    EvaluationRepository,
    ReplyEvaluator,
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
