import { Logger, Module } from '@nestjs/common';
import { loadConfig } from '@lib/config';
import { ToolRunnerConfigSchema, type ToolRunnerConfig } from './config';
import { crmLookupProspectTool } from './crm/crm-lookup-prospect.tool';
import { CrmRepository } from './crm/crm.repository';
import { PostgresToolExecutionStore } from './execution/postgres-tool-execution.store';
import { ToolExecutionStore } from './execution/tool-execution.store';
import { ToolExecutor } from './execution/tool-executor';
import { ToolCallService } from './handler/tool-call.service';
import { ToolRequestsController } from './handler/tool-requests.controller';
import { defaultKnowledgeBaseDir, KnowledgeBase } from './knowledge-base/knowledge-base';
import { knowledgeSearchTool } from './knowledge-base/knowledge-search.tool';
import { ToolRegistry } from './registry/tool-registry';

export const TOOL_RUNNER_CONFIG = Symbol('TOOL_RUNNER_CONFIG');

/**
 * The tool-runner's behaviour. Needs, from the runtime: UnitOfWork (DatabaseModule on TOOL_RUNNER_DATABASE)
 * and EventPublisher (MessagingModule), both global.
 */
@Module({
  controllers: [ToolRequestsController],
  providers: [
    { provide: TOOL_RUNNER_CONFIG, useFactory: (): ToolRunnerConfig => loadConfig(ToolRunnerConfigSchema) },
    {
      provide: KnowledgeBase,
      inject: [TOOL_RUNNER_CONFIG],
      useFactory: async (config: ToolRunnerConfig): Promise<KnowledgeBase> => {
        const directory = config.KNOWLEDGE_BASE_DIR ?? defaultKnowledgeBaseDir();
        const knowledgeBase = await KnowledgeBase.load(directory);
        new Logger('KnowledgeBase').log(
          `loaded ${knowledgeBase.documentCount} documents (${knowledgeBase.chunks.length} chunks) from ${directory}`,
        );
        return knowledgeBase;
      },
    },
    CrmRepository,
    { provide: ToolExecutionStore, useClass: PostgresToolExecutionStore },
    {
      provide: ToolRegistry,
      inject: [CrmRepository, KnowledgeBase],
      useFactory: (crm: CrmRepository, knowledgeBase: KnowledgeBase) =>
        new ToolRegistry([crmLookupProspectTool(crm), knowledgeSearchTool(knowledgeBase)]),
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
  ],
  exports: [ToolExecutor, KnowledgeBase],
})
export class ToolRunnerModule {}
