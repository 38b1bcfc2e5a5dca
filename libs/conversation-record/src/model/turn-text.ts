import type { SuggestionDisposition } from '../entities';

/** Words of a text (runs of letters, digits, apostrophes or hyphens): the talk ratio of rep and prospect. */
export function wordCount(text: string): number {
  return text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu)?.length ?? 0;
}

/**
 * Estimated tokens: ~4 characters per token, the same heuristic as the orchestrator's context assembly
 * (`estimateTokens` in libs/orchestration/src/context/context-assembly.ts), so the record and the prompt
 * budget count alike.
 */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/** What "the same text" means for a suggestion: case, spacing and Unicode forms do not count. */
export const normaliseForComparison = (text: string): string =>
  text.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase();

/**
 * A rep's turn that sent an AI suggestion: `accepted` when the rep sent the suggested text as is (after
 * whitespace and case normalisation), else `edited`.
 */
export function suggestionDisposition(repText: string, suggestedText: string): SuggestionDisposition {
  return normaliseForComparison(repText) === normaliseForComparison(suggestedText) ? 'accepted' : 'edited';
}

/** Largest number of characters of a `varchar(n)` (PostgreSQL counts characters, not UTF-16 units). */
export function truncateChars(value: string, max: number): string {
  const chars = [...value];
  return chars.length <= max ? value : chars.slice(0, max).join('');
}
