import { Logger } from '@nestjs/common';
import { ClaudeLanguageModel, isAnthropicConfigured, loadAnthropicConfig } from '../anthropic';
import { OfflineLanguageModel } from '../offline/offline-language-model';
import type { OrchestratorConfig } from '../orchestrator.config';
import type { SteppingLanguageModel } from './model-step';

/**
 * The orchestrator's model: Claude when `ANTHROPIC_API_KEY` is set (its settings validated at boot: a bad
 * value fails the start naming the variable), else the offline rule engine. Logs which one at boot
 * (provider, model, prompt version: never the key).
 */
export function selectLanguageModel(
  config: OrchestratorConfig,
  env: NodeJS.ProcessEnv = process.env,
): SteppingLanguageModel {
  const logger = new Logger('LanguageModel');
  const model: SteppingLanguageModel = isAnthropicConfigured(env)
    ? new ClaudeLanguageModel(loadAnthropicConfig(env))
    : new OfflineLanguageModel({ knowledgeLimit: config.knowledgeLimit });
  const hint = model instanceof OfflineLanguageModel ? ' (no ANTHROPIC_API_KEY: offline rule engine)' : '';
  logger.log(
    `language model: ${model.info.provider} ${model.info.name}, prompt ${model.info.promptVersion}${hint}`,
  );
  return model;
}
