import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { CRM_ENTITIES } from './crm/crm.entities';
import { ToolExecutionEntity } from './execution/tool-execution.entity';
import { CreateCrm1764000201000 } from './migrations/create-crm.migration';
import { CreateToolExecutions1764000200000 } from './migrations/create-tool-executions.migration';

export const TOOL_RUNNER_SCHEMA = 'tool_runner';

/** The tool-runner's PostgreSQL schema: inbox/outbox first, then the audit table and the built-in CRM. */
export const TOOL_RUNNER_DATABASE: ServiceDatabase = {
  schema: TOOL_RUNNER_SCHEMA,
  entities: [ToolExecutionEntity, ...CRM_ENTITIES],
  migrations: [
    messagingTablesMigration(TOOL_RUNNER_SCHEMA),
    CreateToolExecutions1764000200000,
    CreateCrm1764000201000,
  ],
};
