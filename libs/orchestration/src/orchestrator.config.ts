import { z } from 'zod';
import { envInt, envList, loadConfig } from '@lib/config';
import { CRM_LOOKUP_PROSPECT, KNOWLEDGE_SEARCH } from './model/tool-outcomes';

const SUPPORTED_TOOLS = [CRM_LOOKUP_PROSPECT, KNOWLEDGE_SEARCH] as const;

export const OrchestratorConfigSchema = z.object({
  ORCHESTRATOR_TOOLS: envList(SUPPORTED_TOOLS.join(','))
    .pipe(z.array(z.enum(SUPPORTED_TOOLS)))
    .describe('Tools requested for every prospect turn'),
  ORCHESTRATOR_KNOWLEDGE_LIMIT: envInt(4, 1, 20).describe('Passages asked from knowledge_search'),
  ORCHESTRATOR_HISTORY_TURNS: envInt(10, 0, 100).describe('Earlier turns given to the language model'),
  ORCHESTRATOR_TOOL_TIMEOUT_MS: envInt(30_000, 100).describe(
    'A turn still waiting for tools after this long is answered with what it has',
  ),
  ORCHESTRATOR_MODEL_TIMEOUT_MS: envInt(60_000, 100).describe('A model call longer than this fails the turn'),
  ORCHESTRATOR_SWEEP_INTERVAL_MS: envInt(5_000, 100).describe('How often overdue turns are looked for'),
});
export type OrchestratorConfigEnv = z.infer<typeof OrchestratorConfigSchema>;

export interface OrchestratorConfig {
  readonly tools: readonly (typeof SUPPORTED_TOOLS)[number][];
  readonly knowledgeLimit: number;
  readonly historyTurns: number;
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
    toolTimeoutMs: c.ORCHESTRATOR_TOOL_TIMEOUT_MS,
    modelTimeoutMs: c.ORCHESTRATOR_MODEL_TIMEOUT_MS,
    sweepIntervalMs: c.ORCHESTRATOR_SWEEP_INTERVAL_MS,
  });
}
