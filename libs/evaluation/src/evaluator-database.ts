import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { CreateEvaluations1764000104000 } from './migrations/create-evaluations.migration';

export const EVALUATOR_SCHEMA = 'evaluator';

/** The evaluator's own schema: inbox/outbox first, then the evaluations. */
export const EVALUATOR_DATABASE: ServiceDatabase = {
  schema: EVALUATOR_SCHEMA,
  entities: [],
  migrations: [messagingTablesMigration(EVALUATOR_SCHEMA), CreateEvaluations1764000104000],
};
