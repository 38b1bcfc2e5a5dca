import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { CreateOrchestratorTables1764000101000 } from './migrations/create-orchestrator-tables.migration';

export const ORCHESTRATOR_SCHEMA = 'orchestrator';

/** The orchestrator's own schema: inbox/outbox first, then the turn workflow's tables. */
export const ORCHESTRATOR_DATABASE: ServiceDatabase = {
  schema: ORCHESTRATOR_SCHEMA,
  entities: [],
  migrations: [messagingTablesMigration(ORCHESTRATOR_SCHEMA), CreateOrchestratorTables1764000101000],
};
