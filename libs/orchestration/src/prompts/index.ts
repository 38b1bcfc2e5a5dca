import type { PromptTemplate } from './prompt-template';
import { SALES_ASSISTANT_V1 } from './sales-assistant.v1';
import { SALES_ASSISTANT_V1_NOCITE } from './sales-assistant-v1-nocite';

export * from './prompt-template';
export * from './data-blocks';
export { SALES_ASSISTANT_V1, SUBMIT_TURN_OUTCOME } from './sales-assistant.v1';
export { SALES_ASSISTANT_V1_NOCITE } from './sales-assistant-v1-nocite';

/** Every released prompt version, by version. Old versions stay so their outputs can be reproduced. */
export const PROMPTS: Readonly<Record<string, PromptTemplate>> = Object.freeze({
  [SALES_ASSISTANT_V1.version]: SALES_ASSISTANT_V1,
  // Test-only, deliberately worse (no citations): for the replay gate's tests. Not for real traffic.
  [SALES_ASSISTANT_V1_NOCITE.version]: SALES_ASSISTANT_V1_NOCITE,
});

/** The prompt new turns use. */
export const currentPrompt: PromptTemplate = SALES_ASSISTANT_V1;

/** The prompt of a version; throws for an unknown version (a config typo must fail at boot). */
export function promptByVersion(version: string): PromptTemplate {
  const prompt = PROMPTS[version];
  if (!prompt) {
    throw new Error(`Unknown prompt version "${version}"; known: ${Object.keys(PROMPTS).join(', ')}`);
  }
  return prompt;
}
