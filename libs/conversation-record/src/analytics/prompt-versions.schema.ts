import { z } from 'zod';
import { DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS, TimeParam } from './analytics.schema';

/**
 * Prompt versions compared side by side (`GET .../analytics/prompt-versions?from&to&model`): per (prompt
 * version, model) of the replies generated in `[from, to)`: quality (latest evaluation per reply), policy
 * flags, satisfaction, latency, tokens and cost per turn. Shared by the controller, the client, the gateway
 * (validation, OpenAPI) and the `prompts compare` command.
 */

const DAY_MS = 86_400_000;

export const ModelNameParam = z.string().trim().min(1).max(128);

const queryShape = {
  from: TimeParam.optional().describe(
    `Replies generated at or after. Default: \`to\` - ${DEFAULT_RANGE_DAYS} days`,
  ),
  to: TimeParam.optional().describe('Replies generated before. Default: now'),
  model: ModelNameParam.optional().describe('Only replies of this model (its name, e.g. claude-sonnet-4-5)'),
};

/** Fills a missing bound: `to` defaults to now (or `from` + 30 days), `from` to `to` - 30 days. */
function withRange<T extends { from?: Date; to?: Date }>(query: T): T & { from: Date; to: Date } {
  const to =
    query.to ??
    (query.from ? new Date(query.from.getTime() + DEFAULT_RANGE_DAYS * DAY_MS) : new Date(Date.now()));
  const from = query.from ?? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  return { ...query, from, to };
}

function checkRange(query: { from: Date; to: Date }, ctx: z.RefinementCtx): void {
  if (query.from.getTime() >= query.to.getTime()) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before `to`' });
  } else if (query.to.getTime() - query.from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['from'],
      message: `the range may span at most ${MAX_RANGE_DAYS} days`,
    });
  }
}

/** `GET .../tenants/:tenantId/analytics/prompt-versions?from=&to=&model=` */
export const PromptVersionsQuery = z.strictObject(queryShape).transform(withRange).superRefine(checkRange);
export type PromptVersionsQuery = z.output<typeof PromptVersionsQuery>;

/** `GET /internal/v1/analytics/prompt-versions?from=&to=&model=&byTenant=`: every tenant (operators only). */
export const PromptVersionsAllTenantsQuery = z
  .strictObject({
    ...queryShape,
    byTenant: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true')
      .describe('true: one row per tenant, prompt version and model; false: the tenants added up'),
  })
  .transform(withRange)
  .superRefine(checkRange);
export type PromptVersionsAllTenantsQuery = z.output<typeof PromptVersionsAllTenantsQuery>;

const Rate = z.number().min(0).max(1).nullable();
const Count = z.int().nonnegative();

export const PromptVersionRow = z.object({
  tenantId: z.string().optional().describe('Only in the per-tenant view across tenants (admin)'),
  promptVersion: z.string(),
  model: z.string().describe("The model's name (`model.name` of the replies)"),
  replies: Count.describe('Replies generated in the range (one per turn)'),
  quality: z.object({
    evaluated: Count.describe('Replies with an evaluation (the latest one per reply counts)'),
    groundedness: Rate.describe('Average groundedness of the evaluated replies'),
    groundedShare: Rate.describe('Share of evaluated replies judged grounded'),
    citationValidity: Rate.describe('Average citation validity of the evaluated replies'),
    policyFlags: Count.describe('Policy flags raised by the latest evaluations of the replies'),
  }),
  satisfaction: z.object({
    feedback: Count.describe('Feedback entries counted: turnFeedback + conversationFeedback'),
    turnFeedback: Count.describe("Feedback on these replies' turns"),
    conversationFeedback: Count.describe(
      'Feedback on whole conversations in which this prompt version and model replied in the range',
    ),
    ratings: Count,
    averageRating: z.number().min(1).max(5).nullable(),
    thumbsUp: Count,
    thumbsDown: Count,
    thumbsUpShare: Rate.describe('thumbsUp / (thumbsUp + thumbsDown)'),
  }),
  latency: z.object({
    measured: Count.describe('Replies with a latency (turn received → reply generated)'),
    p50Ms: z.number().nonnegative().nullable(),
    p95Ms: z.number().nonnegative().nullable(),
  }),
  usage: z.object({
    inputTokensPerTurn: z.number().nonnegative().nullable(),
    outputTokensPerTurn: z.number().nonnegative().nullable(),
    tokensPerTurn: z.number().nonnegative().nullable().describe('Input + output tokens, average per turn'),
    costed: Count.describe('Replies with a reported cost'),
    costPerTurnUsd: z.number().nonnegative().nullable().describe('Average cost of the costed replies'),
  }),
});
export type PromptVersionRow = z.infer<typeof PromptVersionRow>;

export const PromptVersionComparison = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  model: z.string().nullable().describe('The model filter, null for all models'),
  items: z
    .array(PromptVersionRow)
    .describe('By tenant (per-tenant view only), prompt version, then model (code-point order)'),
});
export type PromptVersionComparison = z.infer<typeof PromptVersionComparison>;
