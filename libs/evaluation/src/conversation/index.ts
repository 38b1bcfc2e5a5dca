export * from './conversation-evaluation';
export * from './conversation-evaluation.config';
export { ConversationEvaluator, ConversationEvaluationIds } from './conversation-evaluator.service';
export { ConversationEvaluationController } from './conversation-events.controller';
export { ConversationFactsRepository } from './conversation-facts.repository';
export { IdleConversationSweeper, type IdleSweepResult } from './idle-conversation-sweeper';
