import { contentWords } from '../scoring/claims';

/** What a prospect may ask about, each with the words that signal it (stemmed like `contentWords`). */
const INTENTS: Readonly<Record<string, readonly string[]>> = {
  pricing: [
    'price',
    'pricing',
    'cost',
    'plan',
    'discount',
    'budget',
    'expensive',
    'cheap',
    'quote',
    'bill',
    'paid',
    'free',
    'tier',
    'seat',
    'license',
    'usd',
    'dollar',
  ],
  integration: [
    'integrat',
    'integration',
    'connect',
    'api',
    'sdk',
    'import',
    'export',
    'webhook',
    'warehouse',
    'snowflake',
    'bigquery',
    'salesforce',
    'hubspot',
    'segment',
    'plugin',
  ],
  security: [
    'security',
    'secure',
    'gdpr',
    'hipaa',
    'soc',
    'compliance',
    'complian',
    'privacy',
    'encrypt',
    'sso',
    'saml',
    'audit',
    'residency',
  ],
  demo: ['demo', 'call', 'meeting', 'schedule', 'calendar', 'walkthrough', 'trial', 'pilot'],
  onboarding: [
    'onboard',
    'setup',
    'install',
    'migrat',
    'migration',
    'implement',
    'deploy',
    'self-host',
    'host',
  ],
  support: ['support', 'sla', 'help', 'response', 'uptime', 'outage'],
};

/** Words of the sales domain: a reply with none of them (and unrelated to the message) is off topic. */
export const SALES_DOMAIN_TERMS: ReadonlySet<string> = new Set(
  [
    ...Object.values(INTENTS).flat(),
    'product',
    'feature',
    'analytic',
    'dashboard',
    'event',
    'track',
    'funnel',
    'retention',
    'cohort',
    'insight',
    'session',
    'replay',
    'flag',
    'experiment',
    'team',
    'account',
    'contract',
    'customer',
    'data',
    'report',
    'user',
    'platform',
    'service',
    'company',
    'trial',
    'subscription',
    'renewal',
    'roadmap',
    'posthog',
  ].map((w) => contentWords(w)[0] ?? w),
);

const stemsOf = (text: string): Set<string> => new Set(contentWords(text));
const hasAny = (words: ReadonlySet<string>, cues: readonly string[]): boolean =>
  [...words].some((w) => cues.some((c) => w === c || w.startsWith(c)));

export interface Relevance {
  /** 0..1: the mean of word overlap and intent coverage (overlap alone when no intent was recognised). */
  readonly score: number;
  /** Share of the message's content words that the reply uses (or its grounding answers with, see below). */
  readonly overlap: number;
  readonly matched: string[];
  readonly missing: string[];
  /** Intents recognised in the message, and those the reply addresses. */
  readonly intents: { asked: string[]; covered: string[] };
}

/**
 * How much the reply answers the prospect's message, deterministically: the share of the message's content
 * words found in the reply, and the share of the message's intents (pricing, integration, security, demo,
 * onboarding, support) whose cue words the reply also uses. An empty message (nothing to answer) scores 1.
 */
export function relevance(message: string, reply: string): Relevance {
  const asked = stemsOf(message);
  const said = stemsOf(reply);
  const matched = [...asked].filter((w) => said.has(w));
  const missing = [...asked].filter((w) => !said.has(w));
  const overlap = asked.size === 0 ? 1 : matched.length / asked.size;
  const intentsAsked = Object.keys(INTENTS).filter((i) => hasAny(asked, INTENTS[i] ?? []));
  const covered = intentsAsked.filter((i) => hasAny(said, INTENTS[i] ?? []));
  const coverage = intentsAsked.length === 0 ? undefined : covered.length / intentsAsked.length;
  const score = coverage === undefined ? overlap : (overlap + coverage) / 2;
  return {
    score: Math.round(score * 1000) / 1000,
    overlap: Math.round(overlap * 1000) / 1000,
    matched,
    missing,
    intents: { asked: intentsAsked, covered },
  };
}

/** Sales-domain words the text uses. */
export function salesTerms(text: string): string[] {
  return [...stemsOf(text)].filter((w) => SALES_DOMAIN_TERMS.has(w));
}
