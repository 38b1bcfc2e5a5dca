import type { CrmEvidenceOrigin, TurnRole } from '@lib/contracts';

export interface ConversationTurnText {
  readonly role: TurnRole;
  readonly text: string;
}

/** Lowercase, straight quotes, single spaces: a quote still matches after the model re-typed it. */
export function normaliseQuoteText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u201b]/g, "'")
    .replace(/[\u201c\u201d\u201f]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

const MIN_QUOTE = 3;

/** The quote's parts (an ellipsis separates them), without surrounding quotes and punctuation. */
function quoteParts(evidence: string): string[] {
  return normaliseQuoteText(evidence)
    .split(/\.\.\.|\u2026/)
    .map((part) => part.replace(/^[\s"'«»:;,.!?-]+|[\s"'«»:;,.!?-]+$/g, ''))
    .filter((part) => part.length > 0);
}

/**
 * Where the evidence of a proposal comes from: `prospect` only when every part of it is a verbatim quote of
 * one of the prospect's turns, `rep` when it quotes a rep's turn, else `unverified` (the model's own words,
 * or text from a retrieved document: a prompt injection cannot make its request look like the prospect's).
 */
export function classifyEvidence(
  evidence: string,
  turns: readonly ConversationTurnText[],
): CrmEvidenceOrigin {
  const parts = quoteParts(evidence);
  if (parts.length === 0 || parts.join('').length < MIN_QUOTE) return 'unverified';
  const quotes = (role: TurnRole): boolean =>
    turns.some((turn) => {
      if (turn.role !== role) return false;
      const text = normaliseQuoteText(turn.text);
      return parts.every((part) => text.includes(part));
    });
  if (quotes('prospect')) return 'prospect';
  if (quotes('rep')) return 'rep';
  return 'unverified';
}
