import type { ConversationSummary, HistoryTurn } from '../model/language-model';
import { crmProfileText, type CrmProfile, type KnowledgePassage } from '../model/tool-outcomes';

/** Tokens are estimated, not counted: ~4 characters per token (English), the same for every provider. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export interface ContextAssemblyInput {
  readonly budgetTokens: number;
  /** Earlier turns given verbatim at most; older ones go to the summary. */
  readonly maxHistoryTurns: number;
  readonly message: string;
  /** The turns not covered by `summary`, oldest first. */
  readonly history: readonly HistoryTurn[];
  /** The stored summary of the conversation's older turns, if any. */
  readonly summary?: ConversationSummary;
  readonly crm?: CrmProfile;
  /** Best first. */
  readonly knowledge: readonly KnowledgePassage[];
}

export interface AssembledContext {
  readonly history: readonly HistoryTurn[];
  readonly summary?: ConversationSummary;
  /** The summary was extended with turns that no longer fit: store it (it is reused by later turns). */
  readonly summaryChanged: boolean;
  readonly crm?: CrmProfile;
  readonly knowledge: readonly KnowledgePassage[];
  readonly estimatedTokens: number;
}

/** Per-item overhead of the framing a provider adds (role labels, separators). */
const FRAMING_TOKENS = 4;
const SUMMARY_LINE_CHARS = 160;
const OMITTED = '(earlier turns omitted)';

export function historyTurnTokens(turn: HistoryTurn): number {
  return FRAMING_TOKENS + estimateTokens(turn.text) + (turn.reply ? estimateTokens(turn.reply) : 0);
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const match = /^(.+?[.!?])(\s|$)/.exec(flat);
  const sentence = match ? match[1] : flat;
  return sentence.length > SUMMARY_LINE_CHARS ? `${sentence.slice(0, SUMMARY_LINE_CHARS - 1)}…` : sentence;
}

/** One line of the extractive summary: who said what (first sentence), and the assistant's answer. */
export function summaryLine(turn: HistoryTurn): string {
  const who = turn.role === 'prospect' ? 'Prospect' : 'Rep';
  const reply = turn.reply ? ` / Assistant: ${firstSentence(turn.reply)}` : '';
  return `#${turn.sequence} ${who}: ${firstSentence(turn.text)}${reply}`;
}

/** Keeps the most recent lines that fit `budget` tokens, marking that older ones were left out. */
export function fitSummary(lines: readonly string[], budget: number): string {
  const kept = lines.filter((line) => line !== OMITTED);
  let omitted = kept.length < lines.length;
  while (kept.length > 0) {
    const text = (omitted ? [OMITTED, ...kept] : kept).join('\n');
    if (estimateTokens(text) <= budget) return text;
    kept.shift();
    omitted = true;
  }
  return estimateTokens(OMITTED) <= budget ? OMITTED : '';
}

/**
 * Assembles what a model sees of a turn within the token budget. The message always goes in; the history
 * gets at most half of what is left: the most recent turns verbatim (up to `maxHistoryTurns`), and when
 * older turns do not fit, they are folded into the stored summary (a quarter of the history budget),
 * which is extended, never rebuilt. The rest goes to the CRM profile, then to the passages, best first
 * (a passage that does not fit is skipped, a smaller one after it may still go in).
 *
 * The summary is extractive and deterministic: one line per turn with its first sentence and the first
 * sentence of the assistant's reply, the oldest lines dropped when it outgrows its share.
 */
export function assembleContext(input: ContextAssemblyInput): AssembledContext {
  const messageTokens = estimateTokens(input.message);
  const remaining = Math.max(0, input.budgetTokens - messageTokens);
  const historyBudget = Math.floor(remaining / 2);
  const summaryBudget = Math.floor(historyBudget / 4);

  const historyTokens = input.history.reduce((sum, t) => sum + historyTurnTokens(t), 0);
  const needsSummary =
    input.summary !== undefined ||
    historyTokens > historyBudget ||
    input.history.length > input.maxHistoryTurns;
  const verbatimBudget = needsSummary ? historyBudget - summaryBudget : historyBudget;

  let verbatimTokens = 0;
  let firstKept = input.history.length;
  while (firstKept > 0 && input.history.length - firstKept < input.maxHistoryTurns) {
    const tokens = historyTurnTokens(input.history[firstKept - 1]);
    if (verbatimTokens + tokens > verbatimBudget) break;
    verbatimTokens += tokens;
    firstKept -= 1;
  }
  const history = input.history.slice(firstKept);
  const dropped = input.history.slice(0, firstKept);

  let summary = input.summary;
  let summaryChanged = false;
  if (dropped.length > 0) {
    const previous = summary ? summary.text.split('\n') : [];
    summary = {
      coversUpToSequence: dropped[dropped.length - 1].sequence,
      text: fitSummary([...previous, ...dropped.map(summaryLine)], summaryBudget - FRAMING_TOKENS),
    };
    summaryChanged = true;
  } else if (summary && estimateTokens(summary.text) > summaryBudget - FRAMING_TOKENS) {
    // Stored under a larger budget: shown trimmed, stored as it is.
    summary = { ...summary, text: fitSummary(summary.text.split('\n'), summaryBudget - FRAMING_TOKENS) };
  }
  const summaryTokens = summary?.text ? FRAMING_TOKENS + estimateTokens(summary.text) : 0;

  let left = remaining - verbatimTokens - summaryTokens;
  let crm: CrmProfile | undefined;
  if (input.crm) {
    const tokens = FRAMING_TOKENS + estimateTokens(crmProfileText(input.crm));
    if (tokens <= left) {
      crm = input.crm;
      left -= tokens;
    }
  }
  const knowledge: KnowledgePassage[] = [];
  for (const passage of input.knowledge) {
    const tokens = FRAMING_TOKENS + estimateTokens(passage.title) + estimateTokens(passage.text);
    if (tokens > left) continue;
    knowledge.push(passage);
    left -= tokens;
  }
  return {
    history,
    summary,
    summaryChanged,
    crm,
    knowledge,
    // Over the budget only when the message alone is: it always goes in.
    estimatedTokens: messageTokens + remaining - left,
  };
}
