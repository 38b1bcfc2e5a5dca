import type { ConversationMode, TurnRole } from '@lib/contracts';
import {
  addRedactionCounts,
  emptyRedactionCounts,
  NameList,
  PiiRedactor,
  type RedactionCounts,
} from '@lib/privacy';

/**
 * Mapping of one stored conversation to one chat fine-tuning example (pure: rows in, example out).
 *
 * - A prospect turn is a `user` message; prospect turns left unanswered join the next user message.
 * - The answer to a prospect turn is an `assistant` message:
 *   - assist mode (the turn's reply is a `suggestion`): what the rep actually sent, i.e. the rep turns that
 *     follow the prospect turn (before the next prospect turn), joined; the suggestion itself only when the
 *     rep sent nothing after it;
 *   - autonomous mode (the reply is a `reply`): the reply, followed by any rep turns that came after it (a
 *     rep stepping in), joined.
 *   Without a stored reply the conversation's mode decides (assist when unknown).
 * - Rep turns before the first prospect turn (the rep's opener) are kept as assistant messages.
 * - The filters judge each answer by its prospect turn: the stored reply's latest evaluation (groundedness),
 *   the feedback on the turn, the reply's prompt version, whichever text became the assistant message. The
 *   example ends before the first answer that fails them; it then ends with the last answer that passed
 *   (trailing user messages are dropped). An example without any answer is skipped.
 * - Every user and assistant message is redacted (e-mails, phones, cards, IBANs, SSNs, and the known names:
 *   the prospect's, the person entities of the analyses, the tenant's CRM contacts).
 */

export interface ExportTurn {
  readonly id: string;
  readonly sequence: number;
  readonly role: TurnRole;
  readonly text: string;
}

export interface ExportReply {
  readonly id: string;
  readonly turnId: string;
  readonly kind: 'reply' | 'suggestion';
  readonly text: string;
  readonly promptVersion: string | null;
}

/** The latest evaluation of a reply. */
export interface ExportEvaluation {
  readonly replyId: string;
  readonly groundedness: number;
  readonly promptVersion: string | null;
}

export interface ExportFeedback {
  readonly turnId: string;
  readonly thumbs: 'up' | 'down' | null;
  readonly rating: number | null;
}

/** One conversation as the export reads it. */
export interface ExportConversation {
  readonly id: string;
  readonly tenantId: string;
  readonly mode: ConversationMode | null;
  readonly prospectName: string | null;
  readonly turns: readonly ExportTurn[];
  readonly replies: readonly ExportReply[];
  readonly evaluations: readonly ExportEvaluation[];
  readonly feedback: readonly ExportFeedback[];
  /** Person names found by the analyses (entities of type `person`). */
  readonly personNames: readonly string[];
}

export const FEEDBACK_FILTERS = ['positive', 'not-negative', 'any'] as const;
export type FeedbackFilter = (typeof FEEDBACK_FILTERS)[number];

export interface ExampleFilters {
  /** Answers whose reply scored below this groundedness (or was never evaluated) fail. */
  readonly minGroundedness?: number;
  /** `positive`: the turn needs positive feedback; `not-negative`: no negative feedback; `any`: no check. */
  readonly feedback: FeedbackFilter;
  /** Answers whose reply was written with another prompt version (or has none) fail. */
  readonly promptVersion?: string;
}

export const SKIP_REASONS = ['no_assistant_message', 'groundedness', 'feedback', 'prompt_version'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export type FilterReason = Exclude<SkipReason, 'no_assistant_message'>;

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface FineTuningExample {
  readonly messages: ChatMessage[];
  readonly metadata: {
    readonly conversationId: string;
    readonly tenantId: string;
    readonly mode: ConversationMode | null;
    /** Prompt versions of the replies behind the assistant messages, in order of first use. */
    readonly promptVersions: string[];
    /** Turns of the conversation the example covers. */
    readonly turns: number;
  };
}

export type ExampleOutcome =
  | {
      readonly kind: 'example';
      readonly example: FineTuningExample;
      /** Set when a later answer failed the filters and the example was cut before it. */
      readonly truncatedBy?: FilterReason;
      readonly redactions: RedactionCounts;
    }
  | { readonly kind: 'skipped'; readonly reason: SkipReason };

export interface ExampleOptions {
  readonly filters: ExampleFilters;
  /** The system message; none when empty. */
  readonly systemPrompt: string;
  /** Names known for the tenant (compiled once per tenant). */
  readonly tenantNames?: NameList;
  readonly redactor?: PiiRedactor;
}

export type FeedbackVerdict = 'positive' | 'negative' | 'none';

/**
 * Negative when any feedback on the turn is negative (thumbs down, or a rating of 1-2), else positive when any
 * is positive (thumbs up, or 4-5), else none (no feedback, only a 3, only comments).
 */
export function feedbackVerdict(feedback: readonly ExportFeedback[]): FeedbackVerdict {
  const negative = feedback.some((f) => f.thumbs === 'down' || (f.rating !== null && f.rating <= 2));
  if (negative) return 'negative';
  const positive = feedback.some((f) => f.thumbs === 'up' || (f.rating !== null && f.rating >= 4));
  return positive ? 'positive' : 'none';
}

/** The words of a person entity that make its name: the capitalised ones when there are any. */
export function personName(entityText: string): string {
  const words = entityText.split(/\s+/).filter((w) => w.length > 0);
  const capitalised = words.filter((w) => /^[\p{Lu}\p{Lt}]/u.test(w));
  return (capitalised.length > 0 ? capitalised : words).join(' ');
}

const defaultRedactor = new PiiRedactor();

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function buildFineTuningExample(
  conversation: ExportConversation,
  options: ExampleOptions,
): ExampleOutcome {
  const { filters } = options;
  const turns = [...conversation.turns].sort((a, b) => a.sequence - b.sequence);
  const replyByTurn = new Map(conversation.replies.map((r) => [r.turnId, r]));
  const evaluationByReply = new Map(conversation.evaluations.map((e) => [e.replyId, e]));
  const feedbackByTurn = groupBy(conversation.feedback, (f) => f.turnId);

  const failedFilter = (turn: ExportTurn, reply: ExportReply | undefined): FilterReason | undefined => {
    if (filters.minGroundedness !== undefined) {
      const evaluation = reply ? evaluationByReply.get(reply.id) : undefined;
      if (!evaluation || !(evaluation.groundedness >= filters.minGroundedness)) return 'groundedness';
    }
    const verdict = feedbackVerdict(feedbackByTurn.get(turn.id) ?? []);
    if (filters.feedback === 'positive' && verdict !== 'positive') return 'feedback';
    if (filters.feedback === 'not-negative' && verdict === 'negative') return 'feedback';
    if (filters.promptVersion !== undefined && promptVersionOf(reply) !== filters.promptVersion) {
      return 'prompt_version';
    }
    return undefined;
  };
  const promptVersionOf = (reply: ExportReply | undefined): string | null =>
    reply ? (reply.promptVersion ?? evaluationByReply.get(reply.id)?.promptVersion ?? null) : null;

  const messages: { role: 'user' | 'assistant'; content: string }[] = [];
  const pushMessage = (role: 'user' | 'assistant', content: string): void => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content = `${last.content}\n\n${content}`;
    else messages.push({ role, content });
  };
  const promptVersions: string[] = [];
  let kept = { messages: 0, turns: 0 };
  let answers = 0;
  let stoppedBy: FilterReason | undefined;

  for (let i = 0; i < turns.length;) {
    const turn = turns[i];
    if (turn.role === 'rep') {
      // Only the rep's opener gets here: later rep turns are taken with the prospect turn they follow.
      pushMessage('assistant', turn.text);
      i += 1;
      continue;
    }
    let next = i + 1;
    const repTexts: string[] = [];
    for (; next < turns.length && turns[next].role === 'rep'; next += 1) {
      repTexts.push(turns[next].text);
    }
    const reply = replyByTurn.get(turn.id);
    const assist = reply ? reply.kind === 'suggestion' : conversation.mode !== 'autonomous';
    const answer = assist
      ? repTexts.length > 0
        ? repTexts
        : reply
          ? [reply.text]
          : []
      : [...(reply ? [reply.text] : []), ...repTexts];

    if (answer.length > 0) {
      const failed = failedFilter(turn, reply);
      if (failed) {
        stoppedBy = failed;
        break;
      }
    }
    pushMessage('user', turn.text);
    if (answer.length > 0) {
      pushMessage('assistant', answer.join('\n\n'));
      answers += 1;
      const version = promptVersionOf(reply);
      if (version !== null && !promptVersions.includes(version)) promptVersions.push(version);
      kept = { messages: messages.length, turns: next };
    }
    i = next;
  }

  if (answers === 0) return { kind: 'skipped', reason: stoppedBy ?? 'no_assistant_message' };

  const redactor = options.redactor ?? defaultRedactor;
  const names = [
    ...(options.tenantNames ? [options.tenantNames] : []),
    NameList.of([conversation.prospectName, ...conversation.personNames.map(personName)]),
  ];
  const redactions = emptyRedactionCounts();
  const redacted: ChatMessage[] = messages.slice(0, kept.messages).map((m) => {
    const result = redactor.redact(m.content, names);
    addRedactionCounts(redactions, result.counts);
    return { role: m.role, content: result.text };
  });
  const system: ChatMessage[] = options.systemPrompt
    ? [{ role: 'system', content: options.systemPrompt }]
    : [];

  return {
    kind: 'example',
    example: {
      messages: [...system, ...redacted],
      metadata: {
        conversationId: conversation.id,
        tenantId: conversation.tenantId,
        mode: conversation.mode,
        promptVersions,
        turns: kept.turns,
      },
    },
    ...(stoppedBy ? { truncatedBy: stoppedBy } : {}),
    redactions,
  };
}
