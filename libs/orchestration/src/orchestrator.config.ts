import { z } from 'zod';
import { envInt, envList, loadConfig } from '@lib/config';
import { TOOL_DEFINITIONS } from '@lib/tools';
import type { ToolDeclaration } from './model/model-step';

const REGISTRY_TOOLS = TOOL_DEFINITIONS.map((d) => d.name);

export const OrchestratorConfigSchema = z.object({
  ORCHESTRATOR_TOOLS: envList(REGISTRY_TOOLS.join(','))
    .pipe(
      z.array(
        z.string().refine((name) => REGISTRY_TOOLS.includes(name), {
          message: `must be tools of the registry (${REGISTRY_TOOLS.join(', ')})`,
        }),
      ),
    )
    .describe('Tools of the registry declared to the language model'),
  ORCHESTRATOR_KNOWLEDGE_LIMIT: envInt(4, 1, 20).describe(
    'Passages the offline model asks knowledge_search for',
  ),
  ORCHESTRATOR_HISTORY_TURNS: envInt(10, 0, 100).describe(
    'Earlier turns given verbatim at most (older ones are summarised)',
  ),
  ORCHESTRATOR_MAX_STEPS: envInt(4, 1, 16).describe(
    'Model steps per turn; the last one must give the final answer (no more tools)',
  ),
  ORCHESTRATOR_CONTEXT_TOKEN_BUDGET: envInt(12_000, 500, 1_000_000).describe(
    'Tokens (~ chars/4) for the message, history, summary, CRM profile and passages of one turn',
  ),
  ORCHESTRATOR_TOOL_TIMEOUT_MS: envInt(30_000, 100).describe(
    'A tool round still waiting after this long goes on with what it has',
  ),
  ORCHESTRATOR_MODEL_TIMEOUT_MS: envInt(180_000, 100).describe(
    'A model step longer than this fails the turn',
  ),
  ORCHESTRATOR_SWEEP_INTERVAL_MS: envInt(5_000, 100).describe('How often overdue tool rounds are looked for'),
});
export type OrchestratorConfigEnv = z.infer<typeof OrchestratorConfigSchema>;

export interface OrchestratorConfig {
  /** Names of the registry tools declared to the model. */
  readonly tools: readonly string[];
  readonly knowledgeLimit: number;
  readonly historyTurns: number;
  readonly maxSteps: number;
  readonly contextTokenBudget: number;
  readonly toolTimeoutMs: number;
  readonly modelTimeoutMs: number;
  readonly sweepIntervalMs: number;
}

export const ORCHESTRATOR_CONFIG = Symbol('ORCHESTRATOR_CONFIG');

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const c = loadConfig(OrchestratorConfigSchema, env);
  return Object.freeze({
    tools: c.ORCHESTRATOR_TOOLS,
    knowledgeLimit: c.ORCHESTRATOR_KNOWLEDGE_LIMIT,
    historyTurns: c.ORCHESTRATOR_HISTORY_TURNS,
    maxSteps: c.ORCHESTRATOR_MAX_STEPS,
    contextTokenBudget: c.ORCHESTRATOR_CONTEXT_TOKEN_BUDGET,
    toolTimeoutMs: c.ORCHESTRATOR_TOOL_TIMEOUT_MS,
    modelTimeoutMs: c.ORCHESTRATOR_MODEL_TIMEOUT_MS,
    sweepIntervalMs: c.ORCHESTRATOR_SWEEP_INTERVAL_MS,
  });
}

/** The registry's declarations of the configured tools, in registry order. */
export function declaredTools(config: Pick<OrchestratorConfig, 'tools'>): ToolDeclaration[] {
  return TOOL_DEFINITIONS.filter((d) => config.tools.includes(d.name)).map((d) => ({
    name: d.name,
    description: d.description,
    inputJsonSchema: d.inputJsonSchema,
  }));
}
