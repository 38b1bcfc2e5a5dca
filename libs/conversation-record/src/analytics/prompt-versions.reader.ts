import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import { averageOfMicros, byCodePoint, ratio } from './ratios';
import type {
  PromptVersionComparison,
  PromptVersionRow,
  PromptVersionsQuery,
} from './prompt-versions.schema';
import { PromptVersionsRepository, type PromptVersionSums } from './prompt-versions.repository';

/** Average micro-dollars per costed reply, in dollars with 6 decimals (half up). */
function costPerTurn(costMicros: number, costed: number): number | null {
  if (costed === 0) return null;
  return Math.round(costMicros / costed) / 1_000_000;
}

/** The API row of one (prompt version, model) from its exact sums. Pure. */
export function toPromptVersionRow(r: PromptVersionSums): PromptVersionRow {
  const input = Number(r.input_tokens);
  const output = Number(r.output_tokens);
  return {
    ...(r.tenant_id !== null && { tenantId: r.tenant_id }),
    promptVersion: r.prompt_version,
    model: r.model,
    replies: r.replies,
    quality: {
      evaluated: r.evaluated,
      groundedness: averageOfMicros(Number(r.groundedness_micros ?? 0), r.evaluated),
      groundedShare: ratio(r.grounded, r.evaluated),
      citationValidity: averageOfMicros(Number(r.citation_micros ?? 0), r.evaluated),
      policyFlags: r.policy_flags,
    },
    satisfaction: {
      feedback: r.turn_feedback + r.conversation_feedback,
      turnFeedback: r.turn_feedback,
      conversationFeedback: r.conversation_feedback,
      ratings: r.ratings,
      averageRating: ratio(r.rating_sum, r.ratings),
      thumbsUp: r.thumbs_up,
      thumbsDown: r.thumbs_down,
      thumbsUpShare: ratio(r.thumbs_up, r.thumbs_up + r.thumbs_down),
    },
    latency: { measured: r.latency_measured, p50Ms: r.p50_ms, p95Ms: r.p95_ms },
    usage: {
      inputTokensPerTurn: ratio(input, r.replies),
      outputTokensPerTurn: ratio(output, r.replies),
      tokensPerTurn: ratio(input + output, r.replies),
      costed: r.costed,
      costPerTurnUsd: costPerTurn(Number(r.cost_micros ?? 0), r.costed),
    },
  };
}

/**
 * Prompt versions compared side by side, per tenant. One read-only, repeatable-read transaction per request.
 * Also used directly (outside Nest) by the `prompts compare` command: `new PromptVersionsReader(uow)`.
 */
@Injectable()
export class PromptVersionsReader {
  private readonly repository: PromptVersionsRepository;

  constructor(private readonly uow: UnitOfWork) {
    this.repository = new PromptVersionsRepository(uow);
  }

  /**
   * `tenantId` undefined: every tenant, added up, or one row per tenant too with `byTenant` (the admin route
   * and the operators' command; the tenant API always passes one).
   */
  compare(
    tenantId: string | undefined,
    query: PromptVersionsQuery,
    options: { byTenant?: boolean } = {},
  ): Promise<PromptVersionComparison> {
    const work = async (): Promise<PromptVersionComparison> => {
      const rows = await this.repository.compare({
        tenantId,
        from: query.from,
        to: query.to,
        model: query.model,
        byTenant: tenantId === undefined && options.byTenant === true,
      });
      return {
        from: query.from.toISOString(),
        to: query.to.toISOString(),
        model: query.model ?? null,
        items: rows
          .map(toPromptVersionRow)
          .sort(
            (a, b) =>
              byCodePoint(a.tenantId ?? '', b.tenantId ?? '') ||
              byCodePoint(a.promptVersion, b.promptVersion) ||
              byCodePoint(a.model, b.model),
          ),
      };
    };
    if (this.uow.isActive) return work();
    return this.uow.run(async () => {
      await this.repository.tuneTransaction();
      return work();
    });
  }
}
