import { Injectable } from '@nestjs/common';
import type { ModelInfo } from '@lib/contracts';
import {
  LanguageModel,
  type TurnAnalysisOutput,
  type TurnContext,
  type TurnResponseOutput,
} from '../model/language-model';
import { analyseMessage } from './analyser';
import { writeReply } from './reply-writer';
import { estimateTokens } from './text';

export const OFFLINE_MODEL_INFO: ModelInfo = Object.freeze({
  provider: 'offline',
  name: 'offline-rules-v1',
  promptVersion: 'offline-2026-11',
});

/** Roughly what a provider would be sent: the message, the history and the tool results. */
function inputTokens(context: TurnContext): number {
  const history = context.history.map((t) => t.text).join('\n');
  const tools = context.tools
    .map((t) => JSON.stringify(t.status === 'completed' ? t.result : t.error))
    .join('\n');
  return estimateTokens(context.message) + estimateTokens(history) + estimateTokens(tools);
}

/**
 * The offline "language model": a deterministic rule engine, not an LLM. Keyword rules for intents, a
 * lexicon for sentiment, regular expressions for entities and objections, and a reply made only of
 * sentences quoted from the retrieved passages. Same input, same output; no network.
 */
@Injectable()
export class OfflineLanguageModel extends LanguageModel {
  readonly info: ModelInfo = OFFLINE_MODEL_INFO;

  async analyse(context: TurnContext): Promise<TurnAnalysisOutput> {
    const analysis = analyseMessage(context.message, context.crm);
    return { analysis, usage: { inputTokens: estimateTokens(context.message), outputTokens: 0 } };
  }

  async respond(context: TurnContext): Promise<TurnResponseOutput> {
    const analysis = analyseMessage(context.message, context.crm);
    const reply = writeReply({
      mode: context.mode,
      message: context.message,
      analysis,
      knowledge: context.knowledge,
      crm: context.crm,
    });
    return {
      analysis,
      reply,
      usage: { inputTokens: inputTokens(context), outputTokens: estimateTokens(reply.text) },
    };
  }
}
