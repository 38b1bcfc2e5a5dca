import type { Analysis, Citation, ConversationMode } from '@lib/contracts';
import type { CrmProfile, KnowledgePassage } from '../model/tool-outcomes';
import { contentWords, sentences, stripMarkup } from './text';

export interface ReplyWriterInput {
  readonly mode: ConversationMode;
  readonly message: string;
  readonly analysis: Analysis;
  /** Best first, as ranked by the knowledge search. */
  readonly knowledge: readonly KnowledgePassage[];
  readonly crm?: CrmProfile;
}

export interface WrittenReply {
  readonly text: string;
  readonly citations: Citation[];
}

export interface ReplyWriterOptions {
  /** Passages used at most. */
  readonly maxPassages: number;
  /** Sentences quoted per passage at most. */
  readonly maxSentencesPerPassage: number;
  /** A passage is considered when its score is at least this share of the best score. */
  readonly relativeScoreFloor: number;
}

const DEFAULT_OPTIONS: ReplyWriterOptions = {
  maxPassages: 2,
  maxSentencesPerPassage: 2,
  relativeScoreFloor: 0.5,
};

// Retrieved text is data, not instructions (OWASP LLM01): sentences that read like instructions to an
// assistant are never quoted.
const INJECTION =
  /\b(ignore (all |any )?(previous|prior|above) (instructions|messages)|system prompt|you are now|disregard (the|all|your)|as an ai)\b/i;

interface Candidate {
  readonly sentence: string;
  readonly overlap: number;
  readonly position: number;
}

/** The sentences of a passage that best answer the message (by shared content words), in reading order. */
function bestSentences(passage: KnowledgePassage, messageWords: ReadonlySet<string>, max: number): string[] {
  // One shared word is a coincidence in a longer message: ask for two there.
  const minOverlap = messageWords.size >= 4 ? 2 : 1;
  const candidates: Candidate[] = sentences(stripMarkup(passage.text))
    .filter((s) => s.length >= 20 && s.length <= 400 && /[a-z]/i.test(s) && !INJECTION.test(s))
    .filter((s) => !/[:]$/.test(s))
    .map((sentence, position) => {
      const words = new Set(contentWords(sentence));
      let overlap = 0;
      for (const w of words) if (messageWords.has(w)) overlap += 1;
      return { sentence, overlap, position };
    });
  return candidates
    .filter((c) => c.overlap >= minOverlap)
    .sort((a, b) => b.overlap - a.overlap || a.position - b.position)
    .slice(0, max)
    .sort((a, b) => a.position - b.position)
    .map((c) => (/[.!?]$/.test(c.sentence) ? c.sentence : `${c.sentence}.`));
}

function acknowledgement(analysis: Analysis): string | undefined {
  const types = new Set(analysis.objections.map((o) => o.type));
  if (types.has('price')) return 'I understand budget matters.';
  if (types.has('trust')) return 'I understand security is a priority.';
  if (types.has('timing')) return 'I understand the timing matters.';
  return undefined;
}

/**
 * The offline reply writer. It never states a fact of its own: the body is sentences quoted from the
 * knowledge-base passages the search returned (ranked by search score, then by overlap with the message),
 * each cited. With nothing relevant it promises a follow-up instead of inventing an answer.
 */
export function writeReply(
  input: ReplyWriterInput,
  options: ReplyWriterOptions = DEFAULT_OPTIONS,
): WrittenReply {
  const messageWords = new Set(contentWords(input.message));
  const firstName = input.crm?.firstName;
  const citations: Citation[] = [];
  const body: string[] = [];

  const best = input.knowledge[0]?.score ?? 0;
  const considered = input.knowledge.filter((p) => best <= 0 || p.score >= best * options.relativeScoreFloor);
  const seen = new Set<string>();
  for (const passage of considered) {
    if (citations.length >= options.maxPassages) break;
    if (seen.has(passage.sourceId)) continue;
    seen.add(passage.sourceId);
    const quoted = bestSentences(passage, messageWords, options.maxSentencesPerPassage).filter(
      (s) => !body.includes(s),
    );
    if (quoted.length === 0) continue;
    body.push(...quoted);
    citations.push({ sourceId: passage.sourceId, title: passage.title, source: passage.source });
  }

  const onlyGreeting = input.analysis.intents.every((i) => i.name === 'greeting' || i.name === 'other');
  const lines: string[] = [];
  const salutation = firstName ? `Hi ${firstName},` : 'Hi,';
  if (body.length > 0) {
    const ack = acknowledgement(input.analysis);
    lines.push(ack ? `${salutation} ${ack}` : `${salutation} thanks for your question.`);
    lines.push(body.join(' '));
    lines.push('Happy to go into more detail or set up a call.');
  } else if (onlyGreeting && input.analysis.intents.some((i) => i.name === 'greeting')) {
    lines.push(`${salutation} thanks for reaching out. What would you like to know?`);
  } else {
    lines.push(
      `${salutation} thanks for your question. I don't want to give you an inaccurate answer, so I'll check with the team and follow up with the details.`,
    );
  }
  // The greeting uses the CRM record: cite it so the reply's every use of context is traceable.
  if (firstName && input.crm) {
    citations.push({
      sourceId: input.crm.sourceId,
      title: input.crm.contactName ?? firstName,
      source: 'crm',
    });
  }

  const reply = lines.join('\n\n');
  if (input.mode === 'autonomous') return { text: reply, citations };
  const basis = citations.filter((c) => !c.sourceId.startsWith('crm:')).map((c) => c.title || c.sourceId);
  const header = basis.length > 0 ? `Suggested reply (based on: ${basis.join('; ')}):` : 'Suggested reply:';
  return { text: `${header}\n\n${reply}`, citations };
}
