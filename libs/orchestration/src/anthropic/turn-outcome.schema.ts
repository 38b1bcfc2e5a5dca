import { z } from 'zod';
import { Analysis, Citation, NextBestAction, ProposedCrmUpdate } from '@lib/contracts';
import type { TurnOutcome } from '../model/model-step';

/**
 * The input of the `submit_turn_outcome` tool: the model's final structured output. Built from the contracts'
 * schemas so what the model is asked for is exactly what the events carry. `reply` comes FIRST: Claude writes
 * the properties in schema order, so the reply text streams before the (long) analysis.
 */
export const ModelReplySchema = z.object({
  text: z.string().min(1).max(4000).describe('The reply to the prospect, or the suggestion for the rep'),
  citations: z.array(Citation).max(10).describe('The sources the reply relies on, by exact sourceId'),
});

const Qualification = Analysis.shape.qualification
  .unwrap()
  .describe('BANT and MEDDIC: each field with its value (or null), quoted evidence and a confidence');

export const TurnOutcomeSchema = z.object({
  reply: ModelReplySchema.optional().describe('Required for a prospect message; omitted for a rep message'),
  analysis: Analysis.extend({ qualification: Qualification }),
  nextBestActions: z.array(NextBestAction).max(5),
  proposedCrmUpdates: z.array(ProposedCrmUpdate).max(10),
});
export type TurnOutcomeInput = z.infer<typeof TurnOutcomeSchema>;

let jsonSchema: Record<string, unknown> | undefined;

/** JSON Schema of the tool input (draft-07: what the Messages API's `input_schema` accepts). */
export function turnOutcomeJsonSchema(): Record<string, unknown> {
  if (!jsonSchema) {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(TurnOutcomeSchema, {
      target: 'draft-07',
      io: 'input',
    });
    jsonSchema = schema;
  }
  return jsonSchema;
}

/** A grounding source the model may cite: what the tools returned. */
export interface KnownSource {
  readonly title: string;
  readonly source: string;
}

export type OutcomeValidation =
  | { readonly ok: true; readonly outcome: TurnOutcome; readonly droppedCitations: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

export interface OutcomeValidationOptions {
  /** A prospect turn needs a reply; a rep turn does not (a reply given anyway is dropped). */
  readonly replyRequired: boolean;
  /** sourceId → source, from every tool result of the turn. */
  readonly knownSources: ReadonlyMap<string, KnownSource>;
  /**
   * First attempt: a citation to an unknown sourceId is an error (it asks for a repair). Repair attempt: it is
   * dropped instead, as the orchestrator would, rather than failing a turn whose reply is otherwise valid.
   */
  readonly unknownCitations: 'error' | 'drop';
}

/** Validates the tool input; citations are checked against the known sources and normalised from them. */
export function validateTurnOutcome(input: unknown, options: OutcomeValidationOptions): OutcomeValidation {
  const parsed = TurnOutcomeSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    };
  }
  const { reply, analysis, nextBestActions, proposedCrmUpdates } = parsed.data;
  if (options.replyRequired && !reply) {
    return { ok: false, errors: ['reply: required for a prospect message'] };
  }
  const outcome = { analysis, nextBestActions, proposedCrmUpdates };
  if (!reply || !options.replyRequired) return { ok: true, outcome, droppedCitations: [] };

  const unknown = reply.citations.filter((c) => !options.knownSources.has(c.sourceId)).map((c) => c.sourceId);
  if (unknown.length > 0 && options.unknownCitations === 'error') {
    const known = [...options.knownSources.keys()];
    return {
      ok: false,
      errors: unknown.map(
        (id) =>
          `reply.citations: "${id}" is not a sourceId from the tool results` +
          (known.length > 0 ? ` (known: ${known.join(', ')})` : ' (no source was retrieved: cite nothing)'),
      ),
    };
  }
  const seen = new Set<string>();
  const citations = reply.citations.flatMap((c) => {
    const source = options.knownSources.get(c.sourceId);
    if (!source || seen.has(c.sourceId)) return [];
    seen.add(c.sourceId);
    // Title and location come from the tool result, not from the model's copy of them.
    return [{ sourceId: c.sourceId, title: source.title || c.title, source: source.source || c.source }];
  });
  return {
    ok: true,
    outcome: { ...outcome, reply: { text: reply.text, citations } },
    droppedCitations: unknown,
  };
}
