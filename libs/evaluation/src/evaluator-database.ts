import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { EvaluatorAnomalyState1764000108700 } from './migrations/anomaly-state.migration';
import { EvaluatorConversationDeletion1764000107500 } from './migrations/conversation-deletion.migration';
import { EvaluatorConversationFacts1764000108600 } from './migrations/conversation-facts.migration';
import { CreateEvaluations1764000104000 } from './migrations/create-evaluations.migration';
import { EvaluatorReplyPolicy1764000108200 } from './migrations/reply-policy.migration';

export const EVALUATOR_SCHEMA = 'evaluator';

/** The evaluator's own schema: inbox/outbox first, then the evaluations. */
export const EVALUATOR_DATABASE: ServiceDatabase = {
  schema: EVALUATOR_SCHEMA,
  entities: [],
  migrations: [
    messagingTablesMigration(EVALUATOR_SCHEMA),
    CreateEvaluations1764000104000,
    EvaluatorConversationDeletion1764000107500,
    EvaluatorReplyPolicy1764000108200,
    EvaluatorConversationFacts1764000108600,
    EvaluatorAnomalyState1764000108700,
  ],
};
