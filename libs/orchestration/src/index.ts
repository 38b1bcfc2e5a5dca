export * from './model/language-model';
export * from './model/model-step';
export * from './model/model-selection';
export {
  AnthropicConfigSchema,
  ClaudeLanguageModel,
  isAnthropicConfigured,
  loadAnthropicConfig,
} from './anthropic';
export * from './model/tool-outcomes';
export {
  currentPrompt,
  PROMPTS,
  promptByVersion,
  SALES_ASSISTANT_V1_NOCITE,
  type OfflinePromptSettings,
  type PromptTemplate,
} from './prompts';
export * from './context/context-assembly';
export * from './offline/offline-language-model';
export { analyseMessage, KNOWN_COMPETITORS } from './offline/analyser';
export { writeReply } from './offline/reply-writer';
export { nextBestActions, proposedCrmUpdates } from './offline/next-actions';
export * from './orchestrator.config';
export * from './workflow/orchestrator-database';
export * from './workflow/output-validation';
export * from './workflow/reply-delta-stream';
export * from './workflow/turn.repository';
export * from './workflow/turn-workflow.service';
export * from './workflow/turn-events.controller';
export * from './deletion/conversation-deletion.service';
export * from './deletion/conversation-deleted.controller';
export * from './orchestrator.module';
