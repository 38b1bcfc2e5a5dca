import { DealStage, type Analysis } from '@lib/contracts';
import type { CrmProfile } from '../model/tool-outcomes';

type Entity = Analysis['entities'][number];
type Objection = Analysis['objections'][number];
type BuyingSignal = Analysis['buyingSignals'][number];
type Intent = Analysis['intents'][number];

export const KNOWN_COMPETITORS = [
  'Amplitude',
  'Mixpanel',
  'Heap',
  'Google Analytics',
  'Pendo',
  'FullStory',
  'Hotjar',
  'LogRocket',
  'Segment',
] as const;

interface IntentRule {
  readonly name: string;
  readonly patterns: readonly RegExp[];
}

/** Keyword rules per intent; the more patterns match, the higher the confidence. */
const INTENT_RULES: readonly IntentRule[] = [
  {
    name: 'pricing_inquiry',
    patterns: [
      /\b(price|prices|pricing|priced)\b/i,
      /\bhow much\b/i,
      /\b(cost|costs|quote|discount|billing|billed|invoice|plan|plans|annual|monthly)\b/i,
      /\bper (seat|user|month|year)\b/i,
    ],
  },
  {
    name: 'feature_question',
    patterns: [
      /\b(does it|can it|can you|can we|do you|is there) (support|have|offer|do|handle|track|provide)\b/i,
      /\b(feature|features|functionality|capabilit(y|ies)|dashboard|reporting|analytics|session replay|feature flags?)\b/i,
      /\bhow does\b.*\bwork\b/i,
    ],
  },
  {
    name: 'objection',
    patterns: [
      /\btoo (expensive|pricey|costly|much)\b/i,
      /\b(not (now|right now|a priority|interested)|we already use|already using|need to check with)\b/i,
      /\b(concern|concerned|worried|hesitant|not sure|skeptical)\b/i,
    ],
  },
  {
    name: 'demo_request',
    patterns: [/\b(demo|demonstration|walkthrough|walk-through|trial|show me|see it in action)\b/i],
  },
  {
    name: 'purchase_intent',
    patterns: [
      /\b(ready to (buy|sign|move forward|go|purchase|start))\b/i,
      /\b(send (me |us )?(the |a )?(contract|order form|agreement|invoice))\b/i,
      /\b(let'?s (do it|move forward|proceed|sign)|we('| a)re in|sign (the|a) (contract|deal))\b/i,
      /\b(purchase|buy)\b/i,
    ],
  },
  {
    name: 'greeting',
    patterns: [/^\s*(hi|hello|hey|good (morning|afternoon|evening)|greetings)\b/i],
  },
  {
    name: 'integration_question',
    patterns: [
      /\b(integrat(e|es|ion|ions)|connect(s|or|ors)? (to|with)|api|sdk|webhook|webhooks|import|export|sync)\b/i,
      /\b(salesforce|hubspot|slack|snowflake|bigquery|segment|zapier|stripe)\b/i,
    ],
  },
  {
    name: 'security_compliance',
    patterns: [
      /\b(security|secure|soc ?2|iso ?27001|gdpr|hipaa|ccpa|compliance|compliant|encrypt(ed|ion)?|sso|saml|privacy|dpa|baa)\b/i,
      /\b(data (residency|retention|deletion|protection)|pen(etration)? test)\b/i,
    ],
  },
  {
    name: 'support_issue',
    patterns: [
      /\b(bug|broken|error|not working|doesn'?t work|issue|crash(es|ed)?|outage)\b/i,
      /\b(support ticket|help me fix|can'?t log ?in|stopped working)\b/i,
    ],
  },
];

const POSITIVE = new Set(
  `great good love like interested excited perfect helpful impressed awesome happy excellent nice amazing
  thanks thank glad pleased fantastic wonderful useful valuable keen sounds`.split(/\s+/),
);
const NEGATIVE = new Set(
  `expensive frustrated frustrating disappointed disappointing bad terrible annoyed annoying slow broken concern
  concerned worried unhappy problem problems issue issues hate confusing angry difficult hard poor worse worst
  pricey costly risky unfortunately cancel churn skeptical doubt`.split(/\s+/),
);
const NEGATORS = new Set(['not', "don't", 'dont', 'never', 'no', "isn't", "wasn't", "aren't", "doesn't"]);

const MONTHS =
  'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec';
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  twelve: 12,
};

const CURRENCY_SYMBOL: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP' };

function currencyCode(raw: string): string {
  const lower = raw.toLowerCase();
  if (CURRENCY_SYMBOL[raw]) return CURRENCY_SYMBOL[raw];
  if (lower.startsWith('eur') || lower === 'euros') return 'EUR';
  if (lower.startsWith('gbp') || lower.startsWith('pound')) return 'GBP';
  return 'USD';
}

function amountValue(digits: string, multiplier: string | undefined): number {
  const base = Number(digits.replace(/,/g, ''));
  const m = (multiplier ?? '').toLowerCase();
  if (m === 'k' || m === 'thousand') return Math.round(base * 1_000);
  if (m === 'm' || m === 'million' || m === 'mm') return Math.round(base * 1_000_000);
  return base;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function detectIntents(text: string): Intent[] {
  const intents: Intent[] = [];
  for (const rule of INTENT_RULES) {
    const matches = rule.patterns.filter((p) => p.test(text)).length;
    if (matches > 0) intents.push({ name: rule.name, confidence: Math.min(0.95, (55 + 15 * matches) / 100) });
  }
  // A question mark with a specific intent makes it the main one; without any rule, "other".
  if (intents.length === 0) return [{ name: 'other', confidence: 0.3 }];
  // A greeting followed by a real request is mostly that request.
  if (intents.length > 1) {
    for (const intent of intents) if (intent.name === 'greeting') intent.confidence = 0.4;
  }
  return intents.sort((a, b) => b.confidence - a.confidence);
}

export function detectSentiment(text: string): Analysis['sentiment'] {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  let positive = 0;
  let negative = 0;
  words.forEach((word, i) => {
    const negated = NEGATORS.has(words[i - 1] ?? '') || NEGATORS.has(words[i - 2] ?? '');
    if (POSITIVE.has(word)) {
      if (negated) negative += 1;
      else positive += 1;
    } else if (NEGATIVE.has(word)) {
      if (negated) positive += 0.5;
      else negative += 1;
    }
  });
  // "too expensive" and friends weigh more than a single negative word.
  if (/\btoo (expensive|pricey|costly|slow|complicated)\b/i.test(text)) negative += 1;
  const score = Math.max(-1, Math.min(1, (positive - negative) / (positive + negative + 1)));
  const rounded = Math.round(score * 100) / 100;
  const label = rounded > 0.2 ? 'positive' : rounded < -0.2 ? 'negative' : 'neutral';
  return { label, score: rounded };
}

export function extractEntities(text: string, crm?: CrmProfile): Entity[] {
  const entities: Entity[] = [];
  const add = (entity: Entity): void => {
    if (!entities.some((e) => e.type === entity.type && e.text.toLowerCase() === entity.text.toLowerCase())) {
      entities.push(entity);
    }
  };

  for (const m of text.matchAll(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g)) {
    add({ type: 'email', text: m[0], value: m[0].toLowerCase() });
  }
  for (const m of text.matchAll(/(?<![\w@.])\+?\d[\d\s().-]{6,}\d(?![\w@])/g)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 8 && digits.length <= 15 && !/^\d{4}$/.test(m[0])) {
      add({ type: 'phone', text: m[0].trim(), value: `${m[0].trim().startsWith('+') ? '+' : ''}${digits}` });
    }
  }
  const money =
    /(?:([$€£])\s?(\d[\d,]*(?:\.\d+)?)\s?(k|m|mm|thousand|million)?\b)|(?:\b(\d[\d,]*(?:\.\d+)?)\s?(k|m|thousand|million)?\s?(usd|eur|gbp|dollars|euros|pounds)\b)/gi;
  for (const m of text.matchAll(money)) {
    const digits = m[2] ?? m[4] ?? '0';
    const value = amountValue(digits, m[3] ?? m[5]);
    add({ type: 'budget', text: m[0].trim(), value: `${value} ${currencyCode(m[1] ?? m[6] ?? '$')}` });
  }
  for (const m of text.matchAll(
    /\b(\d[\d,]*)\s+(seats?|users?|licen[cs]es?|reps|sales reps|people|employees|engineers|developers)\b/gi,
  )) {
    add({ type: 'seats', text: m[0], value: m[1].replace(/,/g, '') });
  }
  const timeline = new RegExp(
    [
      String.raw`\b(?:next|this|end of (?:the )?)\s?(?:quarter|month|week|year|fiscal year|sprint)\b`,
      String.raw`\b(?:by|before|in|until|after) (?:the end of )?(?:${MONTHS})\b(?: \d{4})?`,
      String.raw`\b(?:by|before|in) (?:the end of )?(?:q[1-4]|end of (?:the )?year|eoy|year end)\b(?: \d{4})?`,
      String.raw`\b(?:in|within) (?:the next )?(?:\d+|a|an|one|two|three|four|five|six|twelve) (?:days?|weeks?|months?|years?)\b`,
      String.raw`\bq[1-4](?: \d{4})?\b`,
    ].join('|'),
    'gi',
  );
  for (const m of text.matchAll(timeline)) {
    const within = /(\d+|a|an|one|two|three|four|five|six|twelve) (day|week|month|year)s?/i.exec(m[0]);
    const value = within
      ? `P${/^\d+$/.test(within[1]) ? within[1] : NUMBER_WORDS[within[1].toLowerCase()]}${within[2][0].toUpperCase()}`
      : undefined;
    add({ type: 'timeline', text: m[0], value });
  }
  for (const competitor of KNOWN_COMPETITORS) {
    const m = new RegExp(`\\b${escapeRegExp(competitor)}\\b`, 'i').exec(text);
    if (m) add({ type: 'competitor', text: m[0], value: competitor });
  }
  if (crm?.companyName) {
    const m = new RegExp(`\\b${escapeRegExp(crm.companyName)}\\b`, 'i').exec(text);
    if (m) add({ type: 'company', text: m[0], value: crm.companyName });
  }
  if (crm?.contactName) {
    const m = new RegExp(`\\b${escapeRegExp(crm.contactName)}\\b`, 'i').exec(text);
    if (m) add({ type: 'person', text: m[0], value: crm.contactName });
  }
  return entities;
}

interface EvidenceRule<T extends string> {
  readonly type: T;
  readonly pattern: RegExp;
}

const competitorAlternation = KNOWN_COMPETITORS.map(escapeRegExp).join('|');

const OBJECTION_RULES: readonly EvidenceRule<Objection['type']>[] = [
  {
    type: 'price',
    pattern:
      /[^.!?]*\b(too (expensive|pricey|costly|much)|over (our|the|my) budget|can'?t afford|out of (our|my) budget|cheaper|costs? too much|price is (too )?high|no budget)\b[^.!?]*/i,
  },
  {
    type: 'timing',
    pattern:
      /[^.!?]*\b(not (right )?now|bad time|not the right time|next year|maybe later|circle back|revisit (this|it)|too busy|no bandwidth)\b[^.!?]*/i,
  },
  {
    type: 'competitor',
    pattern: new RegExp(
      `[^.!?]*\\b((we )?(already|currently) (use|using|have|work with|run on)|(we|we're|we are) (use|using|on|with)\\s+(${competitorAlternation})|happy with (${competitorAlternation}))\\b[^.!?]*`,
      'i',
    ),
  },
  {
    type: 'authority',
    pattern:
      /[^.!?]*\b(need to (check|talk|speak) with|run (it|this) by|my (boss|manager|cfo|cto|ceo)|the board|sign[- ]off|not my (decision|call)|get approval|procurement)\b[^.!?]*/i,
  },
  {
    type: 'need',
    pattern:
      /[^.!?]*\b(don'?t (really )?need|no need for|not a priority|don'?t see the value|not sure (we|i) need)\b[^.!?]*/i,
  },
  {
    type: 'trust',
    pattern:
      /[^.!?]*\b((concerned|worried|nervous) about (security|privacy|our data|data|compliance)|don'?t trust|is (our|my) data safe|data breach|not sure (it'?s|it is) secure)\b[^.!?]*/i,
  },
];

const SIGNAL_RULES: readonly EvidenceRule<string>[] = [
  { type: 'asked_for_pricing', pattern: /[^.!?]*\b(pricing|price|how much|quote|cost)\b[^.!?]*/i },
  {
    type: 'requested_demo_or_trial',
    pattern: /[^.!?]*\b(demo|trial|walkthrough|pilot|proof of concept|poc)\b[^.!?]*/i,
  },
  {
    type: 'ready_to_buy',
    pattern:
      /[^.!?]*\b(ready to (buy|sign|move forward|purchase|start)|send (me |us )?(the |a )?(contract|order form|agreement)|let'?s (move forward|proceed|sign))\b[^.!?]*/i,
  },
  {
    type: 'asked_next_steps',
    pattern: /[^.!?]*\b(next steps?|how (soon|quickly) can we|onboarding|get started)\b[^.!?]*/i,
  },
  {
    type: 'asked_about_contract_terms',
    pattern: /[^.!?]*\b(contract|annual plan|terms|order form|invoice|net ?30)\b[^.!?]*/i,
  },
];

function evidenceOf<T extends string>(
  text: string,
  rules: readonly EvidenceRule<T>[],
): { type: T; evidence: string }[] {
  const found: { type: T; evidence: string }[] = [];
  for (const rule of rules) {
    const m = rule.pattern.exec(text);
    if (m) found.push({ type: rule.type, evidence: m[0].trim() });
  }
  return found;
}

export function detectObjections(text: string): Objection[] {
  const objections = evidenceOf(text, OBJECTION_RULES);
  // "We use Mixpanel" with a price or need objection nearby is a competitor objection even without "already".
  if (!objections.some((o) => o.type === 'competitor')) {
    const m = new RegExp(
      `[^.!?,]*\\b(use|using|on|switch from|moved to)\\s+(${competitorAlternation})\\b[^.!?]*`,
      'i',
    ).exec(text);
    if (m) objections.push({ type: 'competitor', evidence: m[0].trim() });
  }
  return objections;
}

export function detectBuyingSignals(text: string, entities: readonly Entity[]): BuyingSignal[] {
  const signals = evidenceOf(text, SIGNAL_RULES).map((s) => ({ signal: s.type, evidence: s.evidence }));
  const add = (signal: string, type: Entity['type']): void => {
    const entity = entities.find((e) => e.type === type);
    if (entity) signals.push({ signal, evidence: entity.text });
  };
  add('shared_budget', 'budget');
  add('shared_timeline', 'timeline');
  add('shared_team_size', 'seats');
  return signals;
}

const STAGE_ORDER: readonly DealStage[] = DealStage.options;

function normaliseCrmStage(stage: string | undefined): DealStage | undefined {
  if (!stage) return undefined;
  const s = stage.toLowerCase().replace(/[\s/-]+/g, '_');
  const parsed = DealStage.safeParse(s);
  if (parsed.success) return parsed.data;
  // Salesforce-style stage names (lwc-recipes data and most CRMs).
  if (s.includes('won')) return 'closed_won';
  if (s.includes('lost')) return 'closed_lost';
  if (s.includes('negotiat') || s.includes('review')) return 'negotiation';
  if (s.includes('proposal') || s.includes('quote')) return 'proposal';
  if (s.includes('qualif') || s.includes('decision') || s.includes('perception') || s.includes('value')) {
    return 'qualification';
  }
  if (s.includes('discover') || s.includes('needs')) return 'discovery';
  if (s.includes('prospect')) return 'prospecting';
  return undefined;
}

/** The stage the turn's signals point at, never behind the CRM's open deal; closed deals stay closed. */
export function inferStage(
  intents: readonly Intent[],
  objections: readonly Objection[],
  signals: readonly BuyingSignal[],
  entities: readonly Entity[],
  crm?: CrmProfile,
): DealStage {
  const has = (name: string): boolean => intents.some((i) => i.name === name);
  const signal = (name: string): boolean => signals.some((s) => s.signal === name);
  const entity = (type: Entity['type']): boolean => entities.some((e) => e.type === type);
  let fromTurn: DealStage = 'prospecting';
  if (signal('ready_to_buy') || has('purchase_intent')) fromTurn = 'negotiation';
  else if (objections.some((o) => o.type === 'price') || signal('asked_about_contract_terms'))
    fromTurn = 'negotiation';
  else if (has('pricing_inquiry') && (entity('seats') || entity('budget'))) fromTurn = 'proposal';
  else if (
    has('demo_request') ||
    entity('budget') ||
    entity('timeline') ||
    objections.some((o) => o.type === 'authority')
  ) {
    fromTurn = 'qualification';
  } else if (intents.some((i) => i.name !== 'greeting' && i.name !== 'other')) fromTurn = 'discovery';

  const crmStages = (crm?.deals ?? [])
    .map((d) => normaliseCrmStage(d.stage))
    .filter((s): s is DealStage => !!s);
  const open = crmStages.filter((s) => s !== 'closed_won' && s !== 'closed_lost');
  if (open.length === 0 && crmStages.length > 0 && fromTurn === 'prospecting') return crmStages[0];
  const crmStage = open.sort((a, b) => STAGE_ORDER.indexOf(b) - STAGE_ORDER.indexOf(a))[0];
  if (crmStage && STAGE_ORDER.indexOf(crmStage) > STAGE_ORDER.indexOf(fromTurn)) return crmStage;
  return fromTurn;
}

/** The full offline analysis of one message. */
export function analyseMessage(text: string, crm?: CrmProfile): Analysis {
  const intents = detectIntents(text);
  const entities = extractEntities(text, crm);
  const objections = detectObjections(text);
  const buyingSignals = detectBuyingSignals(text, entities);
  // An objection rule firing makes "objection" an intent even if the intent keywords missed it.
  if (objections.length > 0 && !intents.some((i) => i.name === 'objection')) {
    intents.push({ name: 'objection', confidence: 0.65 });
    intents.sort((a, b) => b.confidence - a.confidence);
  }
  const cleanIntents = intents.filter((i) => i.name !== 'other' || intents.length === 1);
  return {
    intents: cleanIntents,
    sentiment: detectSentiment(text),
    entities,
    objections,
    buyingSignals,
    stage: inferStage(cleanIntents, objections, buyingSignals, entities, crm),
  };
}
