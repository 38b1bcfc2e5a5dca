import type { UnitOfWork } from '@lib/database';
import type { ToolOutcome } from '@lib/orchestration';
import {
  createKnowledgeServices,
  CrmRepository,
  crmLookupProspectTool,
  faqLookupTool,
  knowledgeSearchTool,
  seedDemoCrm,
  ToolExecutionError,
  type KnowledgeServicesOptions,
  type Tool,
} from '@lib/tools';

/** A tool call of a replayed turn (the tenant is the runner's). */
export interface ReplayToolCall {
  readonly toolCallId: string;
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
  readonly conversationId: string;
  readonly turnId: string;
}

/** Runs a model's tool call and gives its outcome as the orchestrator records it. Never throws. */
export interface ReplayToolRunner {
  run(call: ReplayToolCall): Promise<ToolOutcome>;
}

const issues = (error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string =>
  error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');

/**
 * The registry's tools run in process, with the tool-runner's rules that shape what the model sees:
 * unknown tool and invalid arguments fail (not retryable), the result is validated against the tool's
 * schema, a call that runs longer than `timeoutMs` fails with `timeout`. What it leaves out: the execution
 * audit (`tool_executions`), retries and result capping — a replay runs each call once.
 */
export class InProcessToolRunner implements ReplayToolRunner {
  private readonly byName: ReadonlyMap<string, Tool>;

  constructor(
    tools: readonly Tool[],
    private readonly tenantId: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.byName = new Map(tools.map((t) => [t.name, t]));
  }

  async run(call: ReplayToolCall): Promise<ToolOutcome> {
    const failed = (code: string, message: string): ToolOutcome => ({
      toolCallId: call.toolCallId,
      tool: call.tool,
      status: 'failed',
      error: { code, message, retryable: false },
    });
    const tool = this.byName.get(call.tool);
    if (!tool) return failed('unknown_tool', `unknown tool: ${call.tool}`);
    const args = tool.arguments.safeParse(call.arguments);
    if (!args.success) return failed('invalid_arguments', issues(args.error));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const raw = await Promise.race([
        tool.execute(args.data, {
          tenantId: this.tenantId,
          toolCallId: call.toolCallId,
          conversationId: call.conversationId,
          turnId: call.turnId,
          signal: controller.signal,
        }),
        new Promise<never>((_resolve, reject) =>
          controller.signal.addEventListener('abort', () =>
            reject(new ToolExecutionError('timeout', `${call.tool} timed out after ${this.timeoutMs} ms`)),
          ),
        ),
      ]);
      const result = tool.result.safeParse(raw);
      if (!result.success) return failed('invalid_result', issues(result.error));
      return { toolCallId: call.toolCallId, tool: call.tool, status: 'completed', result: result.data };
    } catch (error) {
      if (error instanceof ToolExecutionError) return failed(error.code, error.message);
      return failed('tool_error', error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface ReplayKnowledgeOptions extends KnowledgeServicesOptions {
  /** The knowledge base to ingest (files or directories); idempotent (unchanged documents are skipped). */
  readonly knowledgePaths: readonly string[];
  /** Load the demo CRM for the tenant (default true). */
  readonly seedCrm?: boolean;
}

/**
 * The tool-runner's tools on a database that has the tool-runner's migrations (`TOOL_RUNNER_DATABASE`):
 * the knowledge base ingested for `tenantId` (the configured store: PostgreSQL or Qdrant) and the demo CRM.
 */
export async function prepareReplayTools(
  uow: UnitOfWork,
  tenantId: string,
  options: ReplayKnowledgeOptions,
): Promise<{ tools: Tool[]; chunks: number }> {
  if (options.seedCrm !== false) await uow.run((manager) => seedDemoCrm(manager, tenantId));
  const services = createKnowledgeServices(uow, options);
  const summary = await services.ingestion.ingestFiles(tenantId, { paths: [...options.knowledgePaths] });
  return {
    tools: [
      crmLookupProspectTool(new CrmRepository(uow)),
      knowledgeSearchTool(services.retriever),
      faqLookupTool(services.faq),
    ],
    chunks: summary.chunks,
  };
}
