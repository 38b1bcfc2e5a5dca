import { Injectable } from '@nestjs/common';
import type { ModelInfo } from '@lib/contracts';
import { LanguageModel, type TurnContext } from '../model/language-model';
import type { ModelStep, ModelStepRequest, ModelToolCall, ToolDeclaration } from '../model/model-step';
import { CRM_LOOKUP_PROSPECT, KNOWLEDGE_SEARCH } from '../model/tool-outcomes';
import type { OfflinePromptSettings, PromptTemplate } from '../prompts/prompt-template';
import { analyseMessage } from './analyser';
import { nextBestActions, proposedCrmUpdates } from './next-actions';
import { writeReply } from './reply-writer';
import { estimateTokens } from './text';

export const OFFLINE_MODEL_INFO: ModelInfo = Object.freeze({
  provider: 'offline',
  name: 'offline-rules-v1',
  promptVersion: 'offline-2026-11',
});

/** The knowledge_search tool accepts queries up to this length. */
const KNOWLEDGE_QUERY_MAX = 500;

export interface OfflineModelOptions {
  /** Passages asked from knowledge_search. */
  readonly knowledgeLimit: number;
  /**
   * A prompt version to run under (replay): its version is stamped on the outputs and its `offline`
   * settings are honoured (e.g. `citeSources: false`). Absent: the engine's own `offline-2026-11`.
   */
  readonly prompt?: PromptTemplate;
}

/** Roughly what a provider would be sent: the message, the history, the summary and the tool results. */
function inputTokens(context: TurnContext): number {
  const history = context.history.map((t) => `${t.text}\n${t.reply ?? ''}`).join('\n');
  const tools = context.tools
    .map((t) => JSON.stringify(t.status === 'completed' ? t.result : t.error))
    .join('\n');
  return (
    estimateTokens(context.message) +
    estimateTokens(history) +
    estimateTokens(context.summary?.text ?? '') +
    estimateTokens(tools)
  );
}

/**
 * Pieces of a text that concatenate back to it, as a model streams: groups of `size` words, each with the
 * whitespace before its words (trailing whitespace ends the last group).
 */
export function wordGroups(text: string, size = 4): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += size) pieces.push(words.slice(i, i + size).join(''));
  const rest = text.slice(pieces.join('').length);
  if (rest) {
    if (pieces.length > 0) pieces[pieces.length - 1] += rest;
    else pieces.push(rest);
  }
  return pieces;
}

/** Pieces of a text that concatenate back to it: one per sentence (the whitespace before a sentence leads it). */
export function sentencePieces(text: string): string[] {
  return text.split(/(?<=[.!?])(?=\s*\S)/).filter((piece) => piece.length > 0);
}

/**
 * The offline "language model": a deterministic rule engine, not an LLM, stepping like one. A prospect's
 * turn first asks for the CRM profile (when the prospect has an email, name or company: a bare CRM id is
 * not a lookup key) and a knowledge search, in parallel; the next step gives the analysis (keyword rules,
 * a lexicon, regular expressions), a reply made only of sentences quoted from the passages (streamed
 * a few words at a time), and rule-based next best actions and CRM proposals. A rep's turn is analysed at
 * once. Same input, same output; no network.
 */
@Injectable()
export class OfflineLanguageModel extends LanguageModel {
  readonly info: ModelInfo;
  private readonly options: OfflineModelOptions;
  private readonly settings: OfflinePromptSettings;

  constructor(options: Partial<OfflineModelOptions> = {}) {
    super();
    this.options = { knowledgeLimit: options.knowledgeLimit ?? 4, prompt: options.prompt };
    this.settings = options.prompt?.offline ?? {};
    this.info = options.prompt
      ? Object.freeze({ ...OFFLINE_MODEL_INFO, promptVersion: options.prompt.version })
      : OFFLINE_MODEL_INFO;
  }

  async step(request: ModelStepRequest): Promise<ModelStep> {
    const { context } = request;
    if (request.rounds.length === 0 && !request.finalOnly && context.role === 'prospect') {
      const calls = this.plannedCalls(context, request.tools);
      if (calls.length > 0) {
        return {
          kind: 'tool_calls',
          calls,
          usage: {
            inputTokens: inputTokens(context),
            outputTokens: estimateTokens(JSON.stringify(calls)),
          },
        };
      }
    }
    const analysis = analyseMessage(context.message, context.crm);
    const actions = {
      nextBestActions: nextBestActions(analysis),
      proposedCrmUpdates: proposedCrmUpdates(analysis, context.message, context.crm),
    };
    if (context.role === 'rep') {
      return {
        kind: 'final',
        outcome: { analysis, ...actions },
        usage: { inputTokens: estimateTokens(context.message), outputTokens: 0 },
      };
    }
    const written = writeReply({
      mode: context.mode,
      message: context.message,
      analysis,
      knowledge: context.knowledge,
      crm: context.crm,
    });
    const reply = this.settings.citeSources === false ? { ...written, citations: [] } : written;
    for (const piece of wordGroups(reply.text)) request.onReplyDelta?.(piece);
    return {
      kind: 'final',
      outcome: { analysis, reply, ...actions },
      usage: { inputTokens: inputTokens(context), outputTokens: estimateTokens(reply.text) },
    };
  }

  /** The tools of the first step, among those declared: CRM profile and knowledge search. */
  private plannedCalls(context: TurnContext, tools: readonly ToolDeclaration[]): ModelToolCall[] {
    const declared = new Set(tools.map((t) => t.name));
    const calls: Omit<ModelToolCall, 'providerCallId'>[] = [];
    const { email, name, company } = context.prospect;
    const lookup = Object.fromEntries(
      Object.entries({ email, name, company }).filter(([, value]) => value !== undefined),
    );
    if (declared.has(CRM_LOOKUP_PROSPECT) && Object.keys(lookup).length > 0) {
      calls.push({ name: CRM_LOOKUP_PROSPECT, input: lookup });
    }
    if (declared.has(KNOWLEDGE_SEARCH)) {
      calls.push({
        name: KNOWLEDGE_SEARCH,
        input: { query: context.message.slice(0, KNOWLEDGE_QUERY_MAX), limit: this.options.knowledgeLimit },
      });
    }
    return calls.map((call, index) => ({ ...call, providerCallId: `offline_0_${index}` }));
  }
}
