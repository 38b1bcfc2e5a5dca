import type { ServiceDefinition } from '@lib/runtime';
import { configureToolRunnerApp } from './knowledge-base/knowledge-documents.controller';
import { TOOL_RUNNER_DATABASE } from './tool-runner.database';
import { ToolRunnerModule } from './tool-runner.module';

/**
 * The tool-runner service, for the runtime. The runtime also decides the development tenant and calls
 * `seedDemoCrm(manager, tenantId)` for it: this lib never assumes a tenant.
 */
export const toolRunnerService: ServiceDefinition = {
  name: 'tool-runner',
  database: TOOL_RUNNER_DATABASE,
  module: ToolRunnerModule,
  defaultPort: 3102,
  delivery: 'shared',
  configure: configureToolRunnerApp,
};
