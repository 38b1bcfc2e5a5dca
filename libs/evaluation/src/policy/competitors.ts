import { quote, type PolicyFlag } from './flag';
import { splitSentences } from '../scoring/claims';

/** Product-analytics vendors the knowledge base's domain competes with (configurable on top). */
export const BUILT_IN_COMPETITORS: readonly string[] = Object.freeze([
  'Mixpanel',
  'Amplitude',
  'Heap',
  'Pendo',
  'FullStory',
  'Hotjar',
  'Google Analytics',
  'LogRocket',
  'Kissmetrics',
  'Smartlook',
]);

/** Disparaging wording: said next to a competitor's name, it is a flag. */
const NEGATIVE =
  /\b(?:bad|worse|worst|terrible|awful|horrible|inferior|outdated|obsolete|buggy|unreliable|unstable|clunky|overpriced|rip[- ]?off|poor(?:ly)?|lacks?|lacking|useless|garbage|junk|broken|mess(?:y)?|nightmare|insecure|scam|shady|crap(?:py)?|sucks?|fails?|failing|stay away|waste of|dying|joke|amateur(?:ish)?|can(?:no|')t (?:handle|scale|compete))\b/i;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Sentences of the reply that name a competitor next to negative wording (`warning`). Naming a competitor
 * neutrally ("we import from Mixpanel") is fine; "Heap is buggy and overpriced" is not.
 */
export function findCompetitorDisparagement(reply: string, competitors: readonly string[]): PolicyFlag[] {
  const names = [...new Set(competitors.map((c) => c.trim()).filter((c) => c.length > 1))];
  if (names.length === 0) return [];
  const nameRe = new RegExp(`\\b(?:${names.map(escape).join('|')})\\b`, 'i');
  return splitSentences(reply)
    .filter((s) => nameRe.test(s) && NEGATIVE.test(s))
    .map((s) => ({
      kind: 'competitor_disparagement' as const,
      severity: 'warning' as const,
      evidence: quote(s),
      where: 'reply' as const,
    }));
}
