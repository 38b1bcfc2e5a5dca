import type { PolicyFlag } from '@lib/contracts';

export type { PolicyFlag };
export type PolicyFlagKind = PolicyFlag['kind'];
export type PolicySeverity = PolicyFlag['severity'];

/** The sentence around `[start, end)` of `text`, trimmed: the quoted evidence of a flag. */
export function sentenceAround(text: string, start: number, end: number): string {
  const before = text.slice(0, start);
  const from = Math.max(before.lastIndexOf('. '), before.lastIndexOf('! '), before.lastIndexOf('? '));
  const lineFrom = before.lastIndexOf('\n');
  const s = Math.max(from >= 0 ? from + 2 : 0, lineFrom + 1);
  const rest = text.slice(end);
  const stops = [rest.search(/[.!?](\s|$)/), rest.indexOf('\n')].filter((i) => i >= 0);
  const e = stops.length > 0 ? end + Math.min(...stops) + 1 : text.length;
  return text.slice(s, e).trim();
}

/** Bounded evidence: long quotes are cut so an alert stays readable. */
export const quote = (span: string, max = 240): string =>
  span.length <= max ? span : `${span.slice(0, max - 1)}…`;
