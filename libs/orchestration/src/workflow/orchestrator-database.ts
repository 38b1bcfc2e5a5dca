import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { CreateOrchestratorTables1764000101000 } from './migrations/create-orchestrator-tables.migration';
import { OrchestratorConversationDeletion1764000107300 } from './migrations/conversation-deletion.migration';
import { TurnLoopTables1764000102000 } from './migrations/turn-loop-tables.migration';

export const ORCHESTRATOR_SCHEMA = 'orchestrator';

/**
 * The orchestrator's own schema: inbox/outbox first, then the turn workflow's tables, then the tool loop's
 * columns and tables (a later migration: committed migrations are never edited).
 */
export const ORCHESTRATOR_DATABASE: ServiceDatabase = {
  schema: ORCHESTRATOR_SCHEMA,
  entities: [],
  migrations: [
    messagingTablesMigration(ORCHESTRATOR_SCHEMA),
    CreateOrchestratorTables1764000101000,
    TurnLoopTables1764000102000,
    OrchestratorConversationDeletion1764000107300,
  ],
};
