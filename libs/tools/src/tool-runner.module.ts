import { Module } from '@nestjs/common';
import { loadConfig } from '@lib/config';
import { ToolRunnerConfigSchema, type ToolRunnerConfig } from './config';
import { ToolRunnerConversationDeletedController } from './deletion/conversation-deleted.controller';
import { ToolRunnerConversationDeletion } from './deletion/conversation-deletion.service';
import { crmLookupProspectTool } from './crm/crm-lookup-prospect.tool';
import { CRM_TOOLS, crmControllers, crmProviders } from './crm/crm.providers';
import { CrmRepository } from './crm/crm.repository';
import { PostgresToolExecutionStore } from './execution/postgres-tool-execution.store';
import { ToolExecutionStore } from './execution/tool-execution.store';
import { ToolExecutor } from './execution/tool-executor';
import { ToolCallService } from './handler/tool-call.service';
import { ToolRequestsController } from './handler/tool-requests.controller';
import { FaqLookup } from './faq/faq-lookup';
import { faqLookupTool } from './faq/faq-lookup.tool';
import { knowledgeBaseProviders } from './knowledge-base/knowledge-base.providers';
import { KnowledgeDocumentsController } from './knowledge-base/knowledge-documents.controller';
import { KnowledgeIngestion } from './knowledge-base/knowledge-ingestion';
import { KnowledgeRetriever } from './knowledge-base/knowledge-retriever';
import { knowledgeSearchTool } from './knowledge-base/knowledge-search.tool';
import type { Tool } from './registry/tool';
import { ToolRegistry } from './registry/tool-registry';

export const TOOL_RUNNER_CONFIG = Symbol('TOOL_RUNNER_CONFIG');

/**
 * The tool-runner's behaviour. Needs, from the runtime: UnitOfWork (DatabaseModule on TOOL_RUNNER_DATABASE)
 * and EventPublisher (MessagingModule), both global.
 */
@Module({
  controllers: [
    ToolRequestsController,
    KnowledgeDocumentsController,
    ToolRunnerConversationDeletedController,
    ...crmControllers,
  ],
  providers: [
    { provide: TOOL_RUNNER_CONFIG, useFactory: (): ToolRunnerConfig => loadConfig(ToolRunnerConfigSchema) },
    ...knowledgeBaseProviders(TOOL_RUNNER_CONFIG),
    CrmRepository,
    ...crmProviders,
    { provide: ToolExecutionStore, useClass: PostgresToolExecutionStore },
    {
      provide: ToolRegistry,
      inject: [CrmRepository, KnowledgeRetriever, FaqLookup, CRM_TOOLS],
      useFactory: (crm: CrmRepository, retriever: KnowledgeRetriever, faq: FaqLookup, crmTools: Tool[]) =>
        new ToolRegistry([
          crmLookupProspectTool(crm),
          knowledgeSearchTool(retriever),
          faqLookupTool(faq),
          ...crmTools,
        ]),
    },
    {
      provide: ToolExecutor,
      inject: [ToolRegistry, ToolExecutionStore, TOOL_RUNNER_CONFIG],
      useFactory: (registry: ToolRegistry, store: ToolExecutionStore, config: ToolRunnerConfig) =>
        new ToolExecutor(registry, store, {
          timeoutMs: config.TOOL_TIMEOUT_MS,
          maxResultBytes: config.TOOL_RESULT_MAX_BYTES,
        }),
    },
    ToolCallService,
    ToolRunnerConversationDeletion,
  ],
  exports: [ToolExecutor, KnowledgeIngestion],
})
export class ToolRunnerModule {}
