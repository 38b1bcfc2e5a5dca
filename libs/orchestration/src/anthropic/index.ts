export * from './anthropic.config';
export * from './claude-language-model';
export { costOf, priceOf, PRICE_TABLE, type TokenCounts } from './pricing';
export { GenAI, SalesAgentAttributes } from './genai-span';
export { toModelError, isStreamCut } from './model-errors';
export { buildStepParams, buildRepairParams, knownSources, type StepParams } from './request-builder';
export {
  TurnOutcomeSchema,
  turnOutcomeJsonSchema,
  validateTurnOutcome,
  type TurnOutcomeInput,
} from './turn-outcome.schema';
