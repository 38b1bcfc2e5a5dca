import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { HistoryTurn, TurnContext } from '../model/language-model';
import type { ModelRound, ModelStepRequest } from '../model/model-step';
import { crmProfile, knowledgePassages, type ToolOutcome } from '../model/tool-outcomes';
import { SUBMIT_TURN_OUTCOME, type MissingOutcomeReason, type PromptTemplate } from '../prompts';
import { turnOutcomeJsonSchema, type KnownSource } from './turn-outcome.schema';

type MessageParam = Anthropic.MessageParam;
type ContentBlockParam = Anthropic.ContentBlockParam;
type ToolResultBlockParam = Anthropic.ToolResultBlockParam;

/** The request body of one model call (streamed: `client.messages.stream(params)`). */
export interface StepParams {
  readonly model: string;
  readonly max_tokens: number;
  /** Not in the SDK 1.x types (deprecated upstream); sent as an extra body field only when configured. */
  readonly temperature?: number;
  readonly system: Anthropic.TextBlockParam[];
  readonly tools: Anthropic.Tool[];
  readonly tool_choice: Anthropic.ToolChoice;
  readonly messages: MessageParam[];
}

export interface RequestSettings {
  readonly prompt: PromptTemplate;
  readonly model: string;
  readonly maxTokens: number;
  readonly temperature?: number;
  /** Characters of one passage / CRM record / tool result shown to the model. */
  readonly maxDataChars: number;
}

const EPHEMERAL: Anthropic.CacheControlEphemeral = { type: 'ephemeral' };

/**
 * The request of one step of the tool loop. Prompt caching: breakpoints on the system prompt and on the last
 * tool (`submit_turn_outcome`, always last) cache the stable prefix (tools, then system) across turns and
 * conversations; a third on the last block of the messages caches the turn so far for the next step of the
 * loop (each step resends it). The API allows four breakpoints; the repair request adds none.
 */
export function buildStepParams(request: ModelStepRequest, settings: RequestSettings): StepParams {
  const { prompt } = settings;
  const tools: Anthropic.Tool[] = request.tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: { ...t.inputJsonSchema, type: 'object' },
  }));
  tools.push({
    name: SUBMIT_TURN_OUTCOME,
    description: prompt.outcomeToolDescription,
    input_schema: { ...turnOutcomeJsonSchema(), type: 'object' },
    cache_control: EPHEMERAL,
  });

  const messages = conversationMessages(request.context, settings);
  for (const round of request.rounds) {
    messages.push({ role: 'assistant', content: assistantContentOf(round) });
    messages.push({ role: 'user', content: toolResults(round, settings) });
  }
  markLastBlock(messages);

  return {
    model: settings.model,
    max_tokens: settings.maxTokens,
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    system: [{ type: 'text', text: prompt.system(request.context.mode), cache_control: EPHEMERAL }],
    tools,
    tool_choice: request.finalOnly ? { type: 'tool', name: SUBMIT_TURN_OUTCOME } : { type: 'auto' },
    messages,
  };
}

/**
 * History, then the current message. Prospect turns are `user` messages and rep turns `assistant` ones (the
 * seller's side, which the model speaks for). The API wants alternating roles starting with `user`: turns of
 * the same side in a row are merged (one block each), and a history opened by the rep gets a user line first.
 */
export function conversationMessages(context: TurnContext, settings: RequestSettings): MessageParam[] {
  const messages: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  const append = (role: 'user' | 'assistant', blocks: ContentBlockParam[]): void => {
    const last = messages.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const turn of context.history) append(roleOf(turn), [{ type: 'text', text: turn.text.trim() || '…' }]);
  if (messages[0]?.role === 'assistant') {
    messages.unshift({
      role: 'user',
      content: [{ type: 'text', text: settings.prompt.conversationOpenedByRep }],
    });
  }
  const current = settings.prompt.currentTurn(context, { maxDataChars: settings.maxDataChars });
  append(
    'user',
    current.map((text): ContentBlockParam => ({ type: 'text', text })),
  );
  return messages;
}

function roleOf(turn: HistoryTurn): 'user' | 'assistant' {
  return turn.role === 'prospect' ? 'user' : 'assistant';
}

// What the orchestrator stored: the provider's content blocks, JSON. Checked for shape, replayed as is.
const StoredContent = z.array(z.looseObject({ type: z.string().min(1) })).min(1);

function assistantContentOf(round: ModelRound): ContentBlockParam[] {
  const stored = StoredContent.safeParse(round.assistantContent);
  if (stored.success) return stored.data as unknown as ContentBlockParam[];
  // No stored content (e.g. a round recorded by an older version): rebuild the tool_use blocks.
  return round.calls.map((c) => ({ type: 'tool_use', id: c.providerCallId, name: c.name, input: c.input }));
}

const ToolUseRef = z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string() });

/** One `tool_result` per `tool_use` block of the assistant message, in its order (the API requires all). */
function toolResults(round: ModelRound, settings: RequestSettings): ContentBlockParam[] {
  const limits = { maxDataChars: settings.maxDataChars };
  const content = assistantContentOf(round);
  const uses = content.flatMap((b) => {
    const use = ToolUseRef.safeParse(b);
    return use.success ? [use.data] : [];
  });
  return uses.map((use): ToolResultBlockParam => {
    const index = round.calls.findIndex((c) => c.providerCallId === use.id);
    const outcome = index >= 0 ? round.outcomes[index] : undefined;
    if (outcome) {
      return {
        type: 'tool_result',
        tool_use_id: use.id,
        content: settings.prompt.toolResult(outcome, limits),
        ...(outcome.status === 'failed' ? { is_error: true } : {}),
      };
    }
    const text =
      use.name === SUBMIT_TURN_OUTCOME ? settings.prompt.prematureOutcome : 'This tool call was not run.';
    return { type: 'tool_result', tool_use_id: use.id, content: text, is_error: true };
  });
}

function markLastBlock(messages: MessageParam[]): void {
  const last = messages.at(-1);
  if (!last || typeof last.content === 'string') return;
  const block = last.content.at(-1);
  if (block && (block.type === 'text' || block.type === 'tool_result')) block.cache_control = EPHEMERAL;
}

export type RepairReason =
  | { readonly kind: 'invalid'; readonly toolUseId: string; readonly errors: readonly string[] }
  | { readonly kind: 'missing'; readonly reason: MissingOutcomeReason };

/**
 * The one repair request after an unusable answer, with the final tool forced. An invalid outcome: the answer
 * is replayed and its `submit_turn_outcome` call gets an error `tool_result` listing what to fix. No outcome:
 * the answer is replayed (unless cut by max_tokens, whose half-written tool call cannot be replayed) and a
 * user line asks for the outcome.
 */
export function buildRepairParams(
  base: StepParams,
  response: Pick<Anthropic.Message, 'content' | 'stop_reason'>,
  reason: RepairReason,
  prompt: PromptTemplate,
): StepParams {
  const messages: MessageParam[] = structuredClone(base.messages);
  const replay = response.stop_reason !== 'max_tokens' && response.content.length > 0;
  if (reason.kind === 'invalid' && replay) {
    messages.push({ role: 'assistant', content: response.content as unknown as ContentBlockParam[] });
    const results = response.content.flatMap((b): ToolResultBlockParam[] => {
      if (b.type !== 'tool_use') return [];
      const text =
        b.id === reason.toolUseId ? prompt.repairInvalidOutcome(reason.errors) : prompt.prematureOutcome;
      return [{ type: 'tool_result', tool_use_id: b.id, content: text, is_error: true }];
    });
    messages.push({ role: 'user', content: results });
  } else {
    const text =
      reason.kind === 'invalid'
        ? prompt.repairInvalidOutcome(reason.errors)
        : prompt.repairMissingOutcome(reason.reason);
    if (replay) {
      messages.push({ role: 'assistant', content: response.content as unknown as ContentBlockParam[] });
      const results = response.content.flatMap((b): ToolResultBlockParam[] =>
        b.type === 'tool_use'
          ? [{ type: 'tool_result', tool_use_id: b.id, content: prompt.prematureOutcome, is_error: true }]
          : [],
      );
      messages.push({ role: 'user', content: [...results, { type: 'text', text }] });
    } else {
      appendToLastUserMessage(messages, text);
    }
  }
  return { ...base, tool_choice: { type: 'tool', name: SUBMIT_TURN_OUTCOME }, messages };
}

function appendToLastUserMessage(messages: MessageParam[], text: string): void {
  const last = messages.at(-1);
  if (last?.role !== 'user') {
    messages.push({ role: 'user', content: [{ type: 'text', text }] });
    return;
  }
  const content: ContentBlockParam[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  messages[messages.length - 1] = { role: 'user', content: [...content, { type: 'text', text }] };
}

/** Every source the tools of this turn returned, by sourceId: what a citation may refer to. */
export function knownSources(
  request: Pick<ModelStepRequest, 'context' | 'rounds'>,
): Map<string, KnownSource> {
  const { context, rounds } = request;
  const outcomes: ToolOutcome[] = [...context.tools, ...rounds.flatMap((r) => r.outcomes)];
  const sources = new Map<string, KnownSource>();
  for (const p of [...context.knowledge, ...knowledgePassages(outcomes)]) {
    if (!sources.has(p.sourceId)) sources.set(p.sourceId, { title: p.title, source: p.source });
  }
  // One CRM profile per lookup outcome (crmProfile returns the first it finds).
  for (const profile of [context.crm, ...outcomes.map((o) => crmProfile([o]))]) {
    if (profile && !sources.has(profile.sourceId)) {
      sources.set(profile.sourceId, {
        title: profile.contactName ?? profile.companyName ?? 'CRM record',
        source: 'crm',
      });
    }
  }
  return sources;
}
