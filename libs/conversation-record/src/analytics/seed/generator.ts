import { deriveId, type ConversationMode, type DealStage, type ProspectRef } from '@lib/contracts';
import { FUNNEL_STAGES, type ObjectionType, type SentimentLabel } from '../analytics.schema';
import {
  COMPANIES,
  COMPETITORS,
  DOCUMENTS_BY_INTENT,
  FIRST_NAMES,
  KNOWLEDGE_DOCUMENTS,
  LAST_NAMES,
  MONTHS,
  OBJECTION_EVIDENCE,
  PROSPECT_QUESTIONS,
  REP_EDIT_OPENERS,
  REP_OWN_LINES,
  SALES_INTENTS,
  type KnowledgeDocument,
  type SalesIntent,
} from './corpus';
import { Prng } from './prng';

/**
 * A pure, deterministic generator of realistic conversation records for analytics: the same options give
 * the same rows, byte for byte. Conversation `i` depends only on (tenant, seed, i, reps, days, until), so
 * datasets can be generated in batches. Every conversation starts before 22:00 UTC and lasts under an hour,
 * so all its facts fall on the UTC day it started (which makes the expected aggregates exact per day).
 */
export interface SeedOptions {
  readonly tenantId: string;
  readonly conversations: number;
  readonly seed: number;
  /** Reps `rep-01` ... (5% of conversations have no rep). */
  readonly reps: number;
  /** Conversations start on one of the `days` UTC days before `until`. */
  readonly days: number;
  /** Exclusive end of the period: a UTC midnight. */
  readonly until: Date;
}

export const DAY_MS = 86_400_000;

export interface SeedTurn {
  readonly id: string;
  readonly sequence: number;
  readonly role: 'prospect' | 'rep';
  readonly text: string;
  readonly redactedText: string;
  readonly tokenCount: number;
  readonly wordCount: number;
  readonly receivedAt: Date;
  readonly suggestionReplyId: string | null;
  readonly suggestionDisposition: 'accepted' | 'edited' | null;
}

export interface SeedIntent {
  readonly name: SalesIntent;
  readonly confidence: number;
}

export interface SeedEntity {
  readonly type: 'person' | 'company' | 'budget' | 'timeline' | 'competitor' | 'email' | 'phone' | 'seats';
  readonly text: string;
  readonly value: string | null;
  readonly amount: number | null;
  readonly currency: string | null;
}

export interface SeedObjection {
  readonly type: ObjectionType;
  readonly evidence: string;
  readonly handled: boolean;
}

export interface SeedAnalysis {
  readonly turnId: string;
  readonly intents: readonly SeedIntent[];
  readonly sentimentLabel: SentimentLabel;
  /** The score times 100 (an integer): scores have 2 decimals, so sums stay exact. */
  readonly sentimentHundredths: number;
  readonly entities: readonly SeedEntity[];
  readonly objections: readonly SeedObjection[];
  readonly buyingSignals: readonly { signal: string; evidence: string }[];
  readonly stage: DealStage;
  readonly completedAt: Date;
}

export interface SeedTransition {
  readonly turnId: string;
  readonly sequence: number;
  readonly fromStage: DealStage | null;
  readonly toStage: DealStage;
  readonly occurredAt: Date;
}

export interface SeedReply {
  readonly id: string;
  readonly turnId: string;
  readonly kind: 'reply' | 'suggestion';
  readonly text: string;
  readonly citations: readonly { sourceId: string; title: string; source: string }[];
  readonly promptVersion: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costUsd: number;
  readonly modelCalls: number;
  readonly latencyMs: number;
  readonly generatedAt: Date;
}

export interface SeedEvaluation {
  readonly id: string;
  readonly replyId: string;
  readonly turnId: string;
  /** Groundedness times 100. */
  readonly groundednessHundredths: number;
  readonly citationValidity: number;
  readonly latencyMs: number;
  readonly promptVersion: string;
  readonly evaluatedAt: Date;
}

export interface SeedFeedback {
  readonly id: string;
  readonly turnId: string;
  readonly thumbs: 'up' | 'down' | null;
  readonly rating: number | null;
  readonly comment: string | null;
  readonly submittedAt: Date;
}

export interface SeedConversation {
  readonly index: number;
  readonly id: string;
  readonly tenantId: string;
  readonly mode: ConversationMode;
  readonly prospect: ProspectRef;
  readonly repId: string | null;
  readonly title: string;
  readonly stage: DealStage;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  readonly crmContactId: string | null;
  readonly crmAccountId: string | null;
  readonly crmDealId: string | null;
  readonly turns: readonly SeedTurn[];
  readonly analyses: readonly SeedAnalysis[];
  readonly transitions: readonly SeedTransition[];
  readonly replies: readonly SeedReply[];
  readonly evaluations: readonly SeedEvaluation[];
  readonly feedback: readonly SeedFeedback[];
}

export const SEED_MODEL = { provider: 'anthropic', name: 'claude-sonnet-4-6' } as const;
export const PROMPT_VERSIONS = ['sales-assistant-v1', 'sales-assistant-v2'] as const;
export const SEED_EVALUATOR = { name: 'reply-evaluator', version: '1' } as const;

const STAGE_RANK: Readonly<Record<DealStage, number | undefined>> = {
  prospecting: 0,
  discovery: 1,
  qualification: 2,
  proposal: 3,
  negotiation: 4,
  closed_won: 5,
  closed_lost: undefined,
};

/** Position in the funnel order, undefined for closed_lost. */
export const funnelRank = (stage: DealStage | null): number | undefined =>
  stage === null ? undefined : STAGE_RANK[stage];

/** A transition to a later funnel stage (closed_lost is not later than anything). */
export function isStageAdvance(from: DealStage | null, to: DealStage): boolean {
  const a = funnelRank(from);
  const b = funnelRank(to);
  return a !== undefined && b !== undefined && b > a;
}

/** The conversation id of index `i`: deterministic, so a seeded dataset is recognisable. */
export const seedConversationId = (tenantId: string, seed: number, index: number): string =>
  deriveId('seed-analytics', tenantId, String(seed), String(index));

export const repIdOf = (n: number): string => `rep-${String(n).padStart(2, '0')}`;

type QuestionIntent = Exclude<SalesIntent, 'objection'>;

const INTENT_WEIGHTS_BY_STAGE: Readonly<Record<DealStage, Partial<Record<QuestionIntent, number>>>> = {
  prospecting: {
    greeting: 35,
    feature_question: 30,
    other: 15,
    integration_question: 10,
    security_compliance: 10,
  },
  discovery: {
    feature_question: 30,
    integration_question: 25,
    security_compliance: 20,
    pricing_inquiry: 15,
    other: 10,
  },
  qualification: {
    pricing_inquiry: 35,
    feature_question: 20,
    security_compliance: 15,
    demo_request: 20,
    other: 10,
  },
  proposal: {
    pricing_inquiry: 35,
    demo_request: 25,
    integration_question: 15,
    purchase_intent: 10,
    other: 15,
  },
  negotiation: {
    pricing_inquiry: 40,
    purchase_intent: 25,
    support_issue: 5,
    security_compliance: 10,
    other: 20,
  },
  closed_won: { purchase_intent: 60, support_issue: 20, other: 20 },
  closed_lost: { other: 40, pricing_inquiry: 30, support_issue: 30 },
};

const OBJECTION_CHANCE_BY_STAGE: Readonly<Record<DealStage, number>> = {
  prospecting: 0.1,
  discovery: 0.15,
  qualification: 0.25,
  proposal: 0.3,
  negotiation: 0.35,
  closed_won: 0.05,
  closed_lost: 0.6,
};

const OBJECTION_WEIGHTS: Readonly<Record<ObjectionType, number>> = {
  price: 30,
  timing: 15,
  competitor: 15,
  authority: 10,
  need: 10,
  trust: 10,
  other: 10,
};

const TARGET_WEIGHTS: Readonly<Record<DealStage, number>> = {
  prospecting: 12,
  discovery: 18,
  qualification: 20,
  proposal: 16,
  negotiation: 12,
  closed_won: 10,
  closed_lost: 12,
};

const QUESTION_INTENTS = SALES_INTENTS.filter((n): n is QuestionIntent => n !== 'objection');

const DOCUMENTS = new Map<string, KnowledgeDocument>(KNOWLEDGE_DOCUMENTS.map((d) => [d.path, d]));

/** How good a rep is (0.3..0.9): drives objection handling, suggestion acceptance and satisfaction. */
function repSkill(options: SeedOptions, rep: number): number {
  const rng = new Prng(`${options.tenantId}|${options.seed}|rep|${rep}`);
  return 0.3 + rng.int(0, 60) / 100;
}

/** The record's rules (model/turn-text.ts): words are runs of letters and digits; ~4 characters a token. */
const words = (text: string): number => text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu)?.length ?? 0;
const tokens = (text: string): number => Math.ceil(text.length / 4);
const plusMs = (date: Date, ms: number): Date => new Date(date.getTime() + ms);

/** Fills the `{slot}`s of a corpus sentence, recording the entities it mentions. */
function fill(rng: Prng, template: string, entities: SeedEntity[]): string {
  return template.replace(/\{(seats|budget|competitor|month)\}/g, (_, slot: string) => {
    switch (slot) {
      case 'seats': {
        const seats = rng.pick([5, 10, 12, 20, 25, 40, 50, 80, 120]);
        entities.push({
          type: 'seats',
          text: String(seats),
          value: String(seats),
          amount: null,
          currency: null,
        });
        return String(seats);
      }
      case 'budget': {
        const thousands = rng.pick([10, 15, 20, 25, 40, 50, 75, 100]);
        const text = `$${thousands}k`;
        entities.push({
          type: 'budget',
          text,
          value: `${thousands * 1000} USD`,
          amount: thousands * 1000,
          currency: 'USD',
        });
        return text;
      }
      case 'competitor': {
        const name = rng.pick(COMPETITORS);
        entities.push({ type: 'competitor', text: name, value: name, amount: null, currency: null });
        return name;
      }
      default: {
        const month = rng.pick(MONTHS);
        entities.push({ type: 'timeline', text: month, value: month, amount: null, currency: null });
        return month;
      }
    }
  });
}

function sentiment(
  rng: Prng,
  intents: readonly SalesIntent[],
  objection: boolean,
  afterObjection: number | undefined,
): [SentimentLabel, number] {
  let label: SentimentLabel;
  if (objection) label = rng.chance(0.7) ? 'negative' : 'neutral';
  // After an objection, a skilled rep more often brings the prospect round.
  else if (afterObjection !== undefined && rng.chance((1 - afterObjection) * 0.6)) label = 'negative';
  else if (intents.includes('purchase_intent')) label = rng.chance(0.8) ? 'positive' : 'neutral';
  else if (intents.includes('greeting') || intents.includes('other'))
    label = rng.chance(0.5) ? 'positive' : 'neutral';
  else label = rng.weighted({ neutral: 55, positive: 35, negative: 10 });
  const hundredths =
    label === 'positive' ? rng.int(30, 95) : label === 'neutral' ? rng.int(-20, 25) : rng.int(-90, -30);
  return [label, hundredths];
}

/** The deal stage of each prospect turn: from the opening stage to the conversation's outcome. */
function stagePath(rng: Prng, prospectTurns: number, skill: number): DealStage[] {
  const target = rng.weighted({ ...TARGET_WEIGHTS, closed_won: TARGET_WEIGHTS.closed_won * (0.5 + skill) });
  const lostFrom = rng.int(0, 4);
  const targetRank = target === 'closed_lost' ? lostFrom : (funnelRank(target) ?? 0);
  const startRank = Math.min(targetRank, rng.chance(0.7) ? 0 : 1);
  const steps = target === 'closed_lost' ? prospectTurns - 1 : prospectTurns;
  const path: DealStage[] = [];
  for (let k = 0; k < steps; k++) {
    const rank =
      steps === 1 ? targetRank : startRank + Math.round(((targetRank - startRank) * k) / (steps - 1));
    path.push(FUNNEL_STAGES[rank]);
  }
  // Now and then a deal slips back a stage in the middle of the conversation.
  if (path.length >= 4 && rng.chance(0.05)) {
    const k = rng.int(1, path.length - 2);
    const rank = funnelRank(path[k]) ?? 0;
    if (rank > 0) path[k] = FUNNEL_STAGES[rank - 1];
  }
  if (target === 'closed_lost') path.push('closed_lost');
  return path;
}

interface PiiLine {
  raw: string;
  redacted: string;
  entity: SeedEntity;
}

function piiLine(rng: Prng, person: { first: string; last: string; email: string; phone: string }): PiiLine {
  switch (rng.int(0, 2)) {
    case 0:
      return {
        raw: `You can reach me at ${person.email}.`,
        redacted: 'You can reach me at [EMAIL].',
        entity: { type: 'email', text: '[EMAIL]', value: null, amount: null, currency: null },
      };
    case 1:
      return {
        raw: `My direct line is ${person.phone}.`,
        redacted: 'My direct line is [PHONE].',
        entity: { type: 'phone', text: '[PHONE]', value: null, amount: null, currency: null },
      };
    default:
      return {
        raw: `This is ${person.first} ${person.last} speaking.`,
        redacted: 'This is [NAME] speaking.',
        entity: { type: 'person', text: '[NAME]', value: null, amount: null, currency: null },
      };
  }
}

/**
 * The record's rule for handled objections (model/objection-handling.ts): an objection of type T raised at
 * turn n is handled when a later prospect turn either does not raise T again and is not negative, or is at a
 * later funnel stage than turn n.
 */
function markHandledObjections(analyses: SeedAnalysis[], turns: readonly SeedTurn[]): void {
  analyses.forEach((raised, n) => {
    if (raised.objections.length === 0) return;
    const later = analyses.filter((_, m) => m > n && turns[m].role === 'prospect');
    const handled = raised.objections.map((objection) => ({
      ...objection,
      handled: later.some(
        (m) =>
          (m.sentimentLabel !== 'negative' && !m.objections.some((o) => o.type === objection.type)) ||
          (funnelRank(m.stage) ?? -1) > (funnelRank(raised.stage) ?? -1),
      ),
    }));
    analyses[n] = { ...raised, objections: handled };
  });
}

/** Generates conversation `index` of the dataset. Pure: the same arguments give the same conversation. */
export function generateConversation(options: SeedOptions, index: number): SeedConversation {
  const { tenantId } = options;
  const rng = new Prng(`${tenantId}|${options.seed}|conversation|${index}`);
  const id = seedConversationId(tenantId, options.seed, index);

  const day = rng.int(0, options.days - 1);
  const dayStart = options.until.getTime() - (options.days - day) * DAY_MS;
  // Before 22:00 UTC, and under an hour long: the conversation stays on its day.
  const startedAt = new Date(dayStart + rng.int(0, 22 * 3600 - 1) * 1000 + rng.int(0, 999));
  const mode: ConversationMode = rng.chance(0.6) ? 'assist' : 'autonomous';
  const repNumber = rng.chance(0.05) ? null : rng.int(1, Math.max(1, options.reps));
  const repId = repNumber === null ? null : repIdOf(repNumber);
  const skill = repNumber === null ? 0.5 : repSkill(options, repNumber);
  const promptVersion =
    day < options.days / 2 ? PROMPT_VERSIONS[0] : rng.chance(0.85) ? PROMPT_VERSIONS[1] : PROMPT_VERSIONS[0];

  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const company = rng.pick(COMPANIES);
  const domain = `${company.toLowerCase().replace(/[^a-z]+/g, '')}.example`;
  const person = {
    first,
    last,
    email: `${first.toLowerCase()}.${last.toLowerCase()}@${domain}`,
    phone: `+1 415 555 ${String(rng.int(0, 9999)).padStart(4, '0')}`,
  };
  const prospect: ProspectRef = { name: `${first} ${last}`, company, email: person.email };
  const crmContactId = rng.chance(0.7) ? `003${rng.uuid().replace(/-/g, '').slice(0, 15)}` : null;
  if (crmContactId) prospect.crmContactId = crmContactId;
  const crmAccountId = rng.chance(0.4) ? `001${rng.uuid().replace(/-/g, '').slice(0, 15)}` : null;
  const crmDealId =
    crmAccountId && rng.chance(0.8) ? `006${rng.uuid().replace(/-/g, '').slice(0, 15)}` : null;

  const turnCount = rng.int(4, 12);
  const prospectTurns = mode === 'assist' ? Math.ceil(turnCount / 2) : turnCount;
  const path = stagePath(rng, prospectTurns, skill);

  const turns: SeedTurn[] = [];
  const analyses: SeedAnalysis[] = [];
  const replies: SeedReply[] = [];
  const evaluations: SeedEvaluation[] = [];
  const feedback: SeedFeedback[] = [];
  let at = plusMs(startedAt, rng.int(5, 60) * 1000);
  let lastEvent = at;
  let prospectIndex = 0;
  let stage: DealStage = path[0];
  let lastTopic: SalesIntent = 'other';
  let lastSuggestion: SeedReply | undefined;
  let title = '';

  for (let sequence = 1; sequence <= turnCount; sequence++) {
    const role = mode === 'assist' && sequence % 2 === 0 ? 'rep' : 'prospect';
    const turnId = rng.uuid();
    const receivedAt = at;
    const completedAt = plusMs(receivedAt, rng.int(800, 3000));
    lastEvent = completedAt > lastEvent ? completedAt : lastEvent;

    if (role === 'prospect') {
      stage = path[prospectIndex++];
      const entities: SeedEntity[] = [];
      const primary = rng.weighted(INTENT_WEIGHTS_BY_STAGE[stage]);
      const intents: SeedIntent[] = [{ name: primary, confidence: rng.int(70, 95) / 100 }];
      const primaryText = fill(rng, rng.pick(PROSPECT_QUESTIONS[primary]), entities);
      const parts = [primaryText];
      if (rng.chance(0.25)) {
        const secondary = rng.pick(QUESTION_INTENTS.filter((n) => n !== primary));
        parts.push(fill(rng, rng.pick(PROSPECT_QUESTIONS[secondary]), entities));
        intents.push({ name: secondary, confidence: rng.int(40, 69) / 100 });
      }
      const objections: SeedObjection[] = [];
      if (rng.chance(OBJECTION_CHANCE_BY_STAGE[stage])) {
        const type = rng.weighted(OBJECTION_WEIGHTS);
        const evidence = fill(rng, rng.pick(OBJECTION_EVIDENCE[type]), entities);
        parts.push(evidence);
        // Handled when the conversation goes on and the rep (or the assistant) deals with it.
        objections.push({ type, evidence, handled: false });
        intents.push({ name: 'objection', confidence: 0.65 });
      }
      let raw = parts.join(' ');
      let redacted = raw;
      if (rng.chance(0.07)) {
        const line = piiLine(rng, person);
        raw = `${raw} ${line.raw}`;
        redacted = `${redacted} ${line.redacted}`;
        entities.push(line.entity);
      }
      if (sequence === 1) {
        entities.push({ type: 'company', text: company, value: company, amount: null, currency: null });
        title = `${company}: ${primary.replace(/_/g, ' ')}`;
      }
      const [label, hundredths] = sentiment(
        rng,
        intents.map((i) => i.name),
        objections.length > 0,
        lastTopic === 'objection' ? skill : undefined,
      );
      turns.push({
        id: turnId,
        sequence,
        role,
        text: raw,
        redactedText: redacted,
        tokenCount: tokens(raw),
        wordCount: words(raw),
        receivedAt,
        suggestionReplyId: null,
        suggestionDisposition: null,
      });
      analyses.push({
        turnId,
        intents,
        sentimentLabel: label,
        sentimentHundredths: hundredths,
        entities,
        objections,
        buyingSignals: intents.some((i) => i.name === 'purchase_intent')
          ? [{ signal: 'asked for the contract', evidence: primaryText }]
          : [],
        stage,
        completedAt,
      });
      lastTopic = objections.length > 0 ? 'objection' : primary;

      // The assistant's answer: a reply (autonomous) or a suggestion for the rep (assist).
      const document = DOCUMENTS.get(rng.pick(DOCUMENTS_BY_INTENT[lastTopic])) ?? KNOWLEDGE_DOCUMENTS[0];
      const cited = rng.int(0, document.sentences.length - 1);
      const replyText = [
        document.sentences[cited],
        ...(rng.chance(0.4) ? [rng.pick(document.sentences)] : []),
      ]
        .filter((s, i, all) => all.indexOf(s) === i)
        .join(' ');
      const latencyMs = rng.int(1200, 6000);
      const generatedAt = plusMs(receivedAt, latencyMs);
      const inputTokens = rng.int(900, 2600);
      const outputTokens = tokens(replyText) + rng.int(5, 30);
      const reply: SeedReply = {
        id: rng.uuid(),
        turnId,
        kind: mode === 'assist' ? 'suggestion' : 'reply',
        text: replyText,
        citations: [{ sourceId: `${document.path}#${cited}`, title: document.title, source: document.path }],
        promptVersion,
        inputTokens,
        outputTokens,
        cacheReadTokens: rng.int(0, Math.floor(inputTokens / 2)),
        cacheWriteTokens: rng.int(0, 200),
        costUsd: Math.round(inputTokens * 3 + outputTokens * 15) / 1_000_000,
        modelCalls: rng.int(1, 3),
        latencyMs,
        generatedAt,
      };
      replies.push(reply);
      lastSuggestion = mode === 'assist' ? reply : undefined;
      const evaluatedAt = plusMs(generatedAt, rng.int(200, 900));
      evaluations.push({
        id: rng.uuid(),
        replyId: reply.id,
        turnId,
        groundednessHundredths: rng.int(55, 100),
        citationValidity: rng.chance(0.9) ? 1 : 0.5,
        latencyMs,
        promptVersion,
        evaluatedAt,
      });
      lastEvent = evaluatedAt > lastEvent ? evaluatedAt : lastEvent;
      if (rng.chance(0.18)) {
        const satisfied = rng.chance(0.35 + skill / 2);
        const thumbs = rng.chance(0.8) ? (satisfied ? 'up' : 'down') : null;
        const rating =
          thumbs === null || rng.chance(0.6) ? (satisfied ? rng.int(4, 5) : rng.int(1, 3)) : null;
        const submittedAt = plusMs(generatedAt, rng.int(10, 120) * 1000);
        feedback.push({
          id: rng.uuid(),
          turnId,
          thumbs,
          rating,
          comment: rng.chance(0.2)
            ? satisfied
              ? 'Helpful, thanks.'
              : 'Missed the point of the question.'
            : null,
          submittedAt,
        });
        lastEvent = submittedAt > lastEvent ? submittedAt : lastEvent;
      }
    } else {
      // The rep answers: the assistant's suggestion as is, edited, or their own words.
      const suggestion = lastSuggestion;
      const choice = suggestion
        ? rng.weighted({ accepted: 35 + 30 * skill, edited: 25, own: 40 - 30 * skill })
        : 'own';
      let text: string;
      if (choice === 'accepted' && suggestion) text = suggestion.text;
      else if (choice === 'edited' && suggestion) text = `${rng.pick(REP_EDIT_OPENERS)} ${suggestion.text}`;
      else text = rng.pick(REP_OWN_LINES);
      const disposition = choice === 'own' ? null : choice;
      turns.push({
        id: turnId,
        sequence,
        role,
        text,
        redactedText: text,
        tokenCount: tokens(text),
        wordCount: words(text),
        receivedAt,
        suggestionReplyId: disposition && suggestion ? suggestion.id : null,
        suggestionDisposition: disposition,
      });
      const positive = rng.chance(0.6);
      analyses.push({
        turnId,
        intents: [
          { name: lastTopic === 'objection' ? 'other' : lastTopic, confidence: rng.int(50, 70) / 100 },
        ],
        sentimentLabel: positive ? 'positive' : 'neutral',
        sentimentHundredths: positive ? rng.int(30, 80) : rng.int(-10, 25),
        entities: [],
        objections: [],
        buyingSignals: [],
        stage,
        completedAt,
      });
      lastSuggestion = undefined;
    }
    at = plusMs(at, rng.int(15, 180) * 1000);
  }

  markHandledObjections(analyses, turns);

  const transitions: SeedTransition[] = [];
  let previous: DealStage | null = null;
  analyses.forEach((analysis, i) => {
    if (analysis.stage === previous) return;
    transitions.push({
      turnId: analysis.turnId,
      sequence: turns[i].sequence,
      fromStage: previous,
      toStage: analysis.stage,
      occurredAt: analysis.completedAt,
    });
    previous = analysis.stage;
  });

  return {
    index,
    id,
    tenantId,
    mode,
    prospect,
    repId,
    title,
    stage: analyses[analyses.length - 1].stage,
    startedAt,
    updatedAt: lastEvent,
    crmContactId,
    crmAccountId,
    crmDealId,
    turns,
    analyses,
    transitions,
    replies,
    evaluations,
    feedback,
  };
}

/** Every conversation of the dataset, in index order (lazily: 100,000 conversations need not fit at once). */
export function* generateConversations(options: SeedOptions): Generator<SeedConversation> {
  for (let index = 0; index < options.conversations; index++) yield generateConversation(options, index);
}

/** Validates seeding options (a message naming the option, for the CLI). */
export function checkSeedOptions(options: SeedOptions): void {
  const problems: string[] = [];
  if (!options.tenantId || options.tenantId.length > 128) problems.push('--tenant: 1 to 128 characters');
  if (
    !Number.isInteger(options.conversations) ||
    options.conversations < 1 ||
    options.conversations > 10_000_000
  ) {
    problems.push('--conversations: an integer from 1 to 10000000');
  }
  if (!Number.isInteger(options.seed)) problems.push('--seed: an integer');
  if (!Number.isInteger(options.reps) || options.reps < 1 || options.reps > 99)
    problems.push('--reps: 1 to 99');
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 3660)
    problems.push('--days: 1 to 3660');
  if (Number.isNaN(options.until.getTime()) || options.until.getTime() % DAY_MS !== 0) {
    problems.push('--until: a date (YYYY-MM-DD, midnight UTC)');
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
}
