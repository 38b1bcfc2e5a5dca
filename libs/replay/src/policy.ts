import { checkPolicies, relevance } from '@lib/evaluation';
import type { PolicyChecker } from './replay-engine';

export interface PolicySettings {
  /** Competitor names checked for disparagement (the evaluator's `competitors`). */
  readonly competitors: readonly string[];
  /** The evaluator's `offTopicThreshold`. */
  readonly offTopicThreshold: number;
}

/** The evaluator's policy checks, as the evaluator runs them on a reply (relevance to the prospect's message). */
export function evaluatorPolicy(settings: PolicySettings): PolicyChecker {
  return (input) =>
    checkPolicies({
      reply: input.reply,
      grounding: input.grounding,
      prospectMessage: input.prospectMessage,
      prospectMessages: input.prospectMessages,
      relevance: relevance(input.prospectMessage, input.reply).score,
      competitors: settings.competitors,
      offTopicThreshold: settings.offTopicThreshold,
    });
}
