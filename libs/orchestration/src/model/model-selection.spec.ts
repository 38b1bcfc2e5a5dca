import { TOOL_DEFINITIONS } from '@lib/tools';
import { ClaudeLanguageModel } from '../anthropic';
import { OfflineLanguageModel } from '../offline/offline-language-model';
import { loadOrchestratorConfig } from '../orchestrator.config';
import { selectLanguageModel } from './model-selection';

describe('selectLanguageModel', () => {
  const config = loadOrchestratorConfig({});

  it('uses the offline model without ANTHROPIC_API_KEY', () => {
    expect(selectLanguageModel(config, {})).toBeInstanceOf(OfflineLanguageModel);
    expect(selectLanguageModel(config, { ANTHROPIC_API_KEY: '  ' })).toBeInstanceOf(OfflineLanguageModel);
  });

  it('uses Claude when ANTHROPIC_API_KEY is set, with the prompt version in its model info', () => {
    const model = selectLanguageModel(config, {
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_MODEL: 'claude-test',
    });
    expect(model).toBeInstanceOf(ClaudeLanguageModel);
    expect(model.info).toMatchObject({ provider: 'anthropic', name: 'claude-test' });
    expect(model.info.promptVersion.length).toBeGreaterThan(0);
  });

  it('fails at boot on an invalid Claude setting, naming the variable', () => {
    expect(() => selectLanguageModel(config, { ANTHROPIC_API_KEY: 'k', ANTHROPIC_TEMPERATURE: '7' })).toThrow(
      /ANTHROPIC_TEMPERATURE/,
    );
  });
});

describe('loadOrchestratorConfig', () => {
  it('declares every tool of the registry by default, has the loop defaults, refuses unknown tools', () => {
    expect(loadOrchestratorConfig({})).toMatchObject({
      tools: TOOL_DEFINITIONS.map((d) => d.name),
      maxSteps: 4,
      contextTokenBudget: 12_000,
    });
    expect(() => loadOrchestratorConfig({ ORCHESTRATOR_TOOLS: 'knowledge_search,rm_rf' })).toThrow(
      /ORCHESTRATOR_TOOLS/,
    );
  });
});
