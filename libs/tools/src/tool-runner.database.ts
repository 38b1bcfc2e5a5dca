import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { CreateKnowledgeChunks1764000200000 } from '@lib/retrieval';
import { CRM_ENTITIES } from './crm/crm.entities';
import { ToolExecutionEntity } from './execution/tool-execution.entity';
import { CRM_PROPOSAL_ENTITIES } from './crm/proposals/crm-proposal.entities';
import { CreateCrm1764000201000 } from './migrations/create-crm.migration';
import { CreateCrmProposals1764000210000 } from './migrations/create-crm-proposals.migration';
import { CreateKnowledgeDocuments1764000220000 } from './migrations/create-knowledge-documents.migration';
import { CreateToolExecutions1764000200000 } from './migrations/create-tool-executions.migration';
import { ToolRunnerConversationDeletion1764000227400 } from './migrations/conversation-deletion.migration';

export const TOOL_RUNNER_SCHEMA = 'tool_runner';

/** The tool-runner's PostgreSQL schema: inbox/outbox first, then the audit table and the built-in CRM. */
export const TOOL_RUNNER_DATABASE: ServiceDatabase = {
  schema: TOOL_RUNNER_SCHEMA,
  entities: [ToolExecutionEntity, ...CRM_ENTITIES, ...CRM_PROPOSAL_ENTITIES],
  migrations: [
    messagingTablesMigration(TOOL_RUNNER_SCHEMA),
    CreateToolExecutions1764000200000,
    CreateCrm1764000201000,
    // CRM writes as proposals: stage history, tasks, proposals, audit, auto-approve policies.
    CreateCrmProposals1764000210000,
    // The embedded vector store's chunks (libs/retrieval), then the knowledge catalog and FAQ.
    CreateKnowledgeChunks1764000200000,
    CreateKnowledgeDocuments1764000220000,
    // Conversation deletion: tombstones; the conversation of executions and shared documents.
    ToolRunnerConversationDeletion1764000227400,
  ],
};
