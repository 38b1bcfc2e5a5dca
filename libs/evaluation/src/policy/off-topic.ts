import { quote, type PolicyFlag } from './flag';
import { salesTerms } from './relevance';

/**
 * A reply unrelated to the prospect's message (relevance below `threshold`) that also uses no sales-domain word
 * (`warning`). Unknown relevance (the message is not known yet) raises nothing.
 */
export function findOffTopic(
  reply: string,
  relevanceScore: number | undefined,
  threshold: number,
): PolicyFlag[] {
  if (relevanceScore === undefined || relevanceScore >= threshold) return [];
  if (salesTerms(reply).length > 0) return [];
  return [
    {
      kind: 'off_topic',
      severity: 'warning',
      evidence: quote(reply.trim()),
      where: 'reply',
    },
  ];
}
