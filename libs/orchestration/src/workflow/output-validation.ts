import { z } from 'zod';
import { Analysis, Citation, NextBestAction, ProposedCrmUpdate } from '@lib/contracts';
import { ModelError, type TurnOutcome } from '../model/model-step';

export interface OutputValidationOptions {
  /** The sourceIds of everything the tools returned in this turn's rounds. */
  readonly groundingIds: ReadonlySet<string>;
  /** Prospect turns must have a reply (or suggestion); a rep's turn has none. */
  readonly replyRequired: boolean;
}

export interface ValidatedOutcome {
  readonly outcome: TurnOutcome;
  /** Citations dropped because their source was not among the grounding (invented or mistyped ids). */
  readonly droppedCitations: readonly string[];
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

function parsed<T>(what: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ModelError(
    'invalid_model_output',
    `the model's ${what} does not match the contract: ${issues(result.error)}`,
  );
}

/**
 * Checks a final outcome before anything is published: the analysis, actions and CRM proposals against the
 * event contracts; a non-empty reply when one is required; citations only to sources the tools returned
 * (others are dropped, once each, and reported). Throws `ModelError('invalid_model_output')` otherwise.
 */
export function validateFinalOutcome(
  outcome: TurnOutcome,
  options: OutputValidationOptions,
): ValidatedOutcome {
  const analysis = parsed('analysis', Analysis, outcome.analysis);
  const nextBestActions = parsed('next best actions', z.array(NextBestAction), outcome.nextBestActions ?? []);
  const proposedCrmUpdates = parsed(
    'proposed CRM updates',
    z.array(ProposedCrmUpdate),
    outcome.proposedCrmUpdates ?? [],
  );
  if (!options.replyRequired) {
    return { outcome: { analysis, nextBestActions, proposedCrmUpdates }, droppedCitations: [] };
  }
  const text = outcome.reply?.text.trim() ?? '';
  if (!outcome.reply || text.length === 0) {
    throw new ModelError('invalid_model_output', 'the model gave no reply text for a prospect turn');
  }
  const citations = parsed('citations', z.array(Citation), outcome.reply.citations);
  const kept: Citation[] = [];
  const dropped: string[] = [];
  for (const citation of citations) {
    if (!options.groundingIds.has(citation.sourceId)) {
      if (!dropped.includes(citation.sourceId)) dropped.push(citation.sourceId);
    } else if (!kept.some((c) => c.sourceId === citation.sourceId)) {
      kept.push(citation);
    }
  }
  return {
    outcome: {
      analysis,
      nextBestActions,
      proposedCrmUpdates,
      reply: { text: outcome.reply.text, citations: kept },
    },
    droppedCitations: dropped,
  };
}
