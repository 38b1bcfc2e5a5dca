import type { GroundingSource } from '@lib/contracts';
import { findUnbackedCommitments } from './commitments';
import { findCompetitorDisparagement } from './competitors';
import type { PolicyFlag } from './flag';
import { findPromptInjection } from './injection';
import { findOffTopic } from './off-topic';
import { findPiiLeaks } from './pii-leak';

export interface PolicyInput {
  readonly reply: string;
  readonly grounding: readonly Pick<GroundingSource, 'sourceId' | 'title' | 'text'>[];
  /** The prospect's turn being answered, when known. */
  readonly prospectMessage?: string;
  /** Every prospect message of the conversation known so far (the PII they gave may be repeated back). */
  readonly prospectMessages: readonly string[];
  readonly relevance?: number;
  readonly competitors: readonly string[];
  readonly offTopicThreshold: number;
}

/** Every policy check on one reply, in a stable order. Pure. */
export function checkPolicies(input: PolicyInput): PolicyFlag[] {
  const sources = input.grounding.map((g) => `${g.title}\n${g.text}`);
  return [
    ...findUnbackedCommitments(input.reply, sources),
    ...findCompetitorDisparagement(input.reply, input.competitors),
    ...findPiiLeaks(input.reply, input.prospectMessages),
    ...findPromptInjection([
      ...(input.prospectMessage === undefined
        ? []
        : [{ text: input.prospectMessage, where: 'prospect' as const }]),
      ...input.grounding.map((g) => ({ text: g.text, where: 'grounding' as const, sourceId: g.sourceId })),
    ]),
    ...findOffTopic(input.reply, input.relevance, input.offTopicThreshold),
  ];
}
