import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AlertRaised,
  deriveId,
  EvaluationCompleted,
  type EnvelopeOf,
  type EvaluationCompletedData,
  type JudgeResult,
  type PolicyFlag,
  type ReplyGenerated,
} from '@lib/contracts';
import { EventPublisher } from '@lib/messaging';
import { recordEvaluationScores, recordPolicyFlags, recordTurnLatency } from '@lib/telemetry';
import { EvaluationRepository } from './evaluation.repository';
import { EVALUATOR_CONFIG, type EvaluatorConfig } from './evaluator.config';
import type { ReplyJudge } from './judge/reply-judge';
import { checkPolicies } from './policy/policy-checks';
import { relevance as relevanceOf } from './policy/relevance';
import { scoreReply } from './scoring/reply-scores';
import { EvaluatorTurnStore } from './turns/turn-store';

export const EVALUATOR_INFO = Object.freeze({ name: 'rule-based-evaluator', version: '2' });

/** The LLM-as-judge, or `null` when `EVALUATOR_JUDGE` is off. */
export const REPLY_JUDGE = Symbol('REPLY_JUDGE');

export const EvaluationIds = {
  evaluation: (replyId: string): string => deriveId(replyId, 'evaluation'),
  evaluationEvent: (evaluationId: string): string => deriveId(evaluationId, 'evaluation.completed'),
  alert: (replyId: string, kind: string): string => deriveId(replyId, 'alert', kind),
  alertEvent: (alertId: string): string => deriveId(alertId, 'alert.raised'),
} as const;

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

/**
 * Scores each reply once: stores the evaluation (unique per reply) and announces it, with an alert when the
 * reply is not grounded in what the tools returned and one per policy-flag kind of severity warning or above.
 * The turn context is read and the judge called before the conversation's lock is taken; everything runs in
 * the handler's unit of work (the judge's timeout and retries bound how long it waits).
 */
@Injectable()
export class ReplyEvaluator {
  private readonly logger = new Logger(ReplyEvaluator.name);

  constructor(
    private readonly evaluations: EvaluationRepository,
    private readonly publisher: EventPublisher,
    @Inject(EVALUATOR_CONFIG) private readonly config: EvaluatorConfig,
    private readonly turns: EvaluatorTurnStore,
    @Inject(REPLY_JUDGE) private readonly judge: ReplyJudge | null,
  ) {}

  async evaluate(event: EnvelopeOf<typeof ReplyGenerated>): Promise<EvaluationCompletedData | undefined> {
    const reply = event.data;
    const tenantId = event.tenantid;
    // A redelivered reply: skip the judge's cost (the unique reply_id still guards a concurrent duplicate).
    if ((await this.evaluations.countByReply(reply.replyId)) > 0) return undefined;

    const scores = scoreReply(reply, this.config);
    const context = await this.turns.contextFor(tenantId, reply.conversationId, reply.turnId);
    const relevance =
      context.prospectMessage === undefined ? undefined : relevanceOf(context.prospectMessage, reply.text);
    const flags = checkPolicies({
      reply: reply.text,
      grounding: reply.grounding,
      prospectMessage: context.prospectMessage,
      prospectMessages: context.prospectMessages,
      relevance: relevance?.score,
      competitors: [...this.config.competitors, ...context.competitors],
      offTopicThreshold: this.config.offTopicThreshold,
    });
    const judge: JudgeResult | undefined =
      this.judge === null
        ? undefined
        : await this.judge.judge({
            prospectMessage: context.prospectMessage,
            reply: reply.text,
            grounding: reply.grounding,
          });

    const evaluatedAt = new Date();
    const evaluationMs = Math.max(0, evaluatedAt.getTime() - Date.parse(reply.generatedAt));
    const latency = { ...scores.latency, stages: { ...scores.latency.stages, evaluation: evaluationMs } };
    const usage = {
      inputTokens: reply.usage.inputTokens,
      outputTokens: reply.usage.outputTokens,
      ...(reply.usage.costUsd === undefined ? {} : { costUsd: reply.usage.costUsd }),
    };
    const evaluationId = EvaluationIds.evaluation(reply.replyId);
    const unsupported = scores.claims.filter((c) => !c.supported).map((c) => c.claim);

    return this.evaluations.inTransaction(async () => {
      if (await this.evaluations.isConversationDeleted(reply.conversationId)) {
        this.logger.debug(`reply ${reply.replyId} of deleted conversation ${reply.conversationId} dropped`);
        return undefined;
      }
      const stored = await this.evaluations.insert({
        evaluationId,
        replyId: reply.replyId,
        conversationId: reply.conversationId,
        turnId: reply.turnId,
        tenantId,
        groundedness: scores.groundedness,
        grounded: scores.grounded,
        citationValidity: scores.citationValidity,
        schemaValid: scores.schemaValid,
        totalMs: latency.totalMs,
        latency: latency.stages,
        details: {
          claims: scores.claims,
          schemaIssues: scores.schemaIssues,
          ...(relevance === undefined ? { relevance: 'prospect message not received yet' } : { relevance }),
        },
        promptVersion: reply.model.promptVersion,
        model: reply.model,
        evaluatedAt,
        relevance: relevance?.score,
        policyFlags: flags,
        judge,
        usage,
      });
      if (!stored) {
        this.logger.debug(`reply ${reply.replyId} already evaluated`);
        return undefined;
      }
      const evaluation: EvaluationCompletedData = {
        conversationId: reply.conversationId,
        turnId: reply.turnId,
        replyId: reply.replyId,
        evaluationId,
        scores: {
          groundedness: scores.groundedness,
          grounded: scores.grounded,
          citationValidity: scores.citationValidity,
          schemaValid: scores.schemaValid,
          ...(relevance === undefined ? {} : { relevance: relevance.score }),
        },
        latency,
        promptVersion: reply.model.promptVersion,
        policy: { flags },
        ...(judge === undefined ? {} : { judge }),
        usage,
        model: reply.model,
        evaluator: EVALUATOR_INFO,
        evaluatedAt: evaluatedAt.toISOString(),
      };
      const options = { tenantId, causation: event, correlationId: reply.turnId };
      await this.publisher.publish(EvaluationCompleted, evaluation, {
        ...options,
        id: EvaluationIds.evaluationEvent(evaluationId),
      });
      const raise = async (
        kind: string,
        severity: 'warning' | 'critical',
        message: string,
        evidence: Record<string, unknown>,
      ): Promise<void> => {
        const alertId = EvaluationIds.alert(reply.replyId, kind);
        this.logger.warn(message);
        await this.publisher.publish(
          AlertRaised,
          {
            alertId,
            conversationId: reply.conversationId,
            turnId: reply.turnId,
            severity,
            kind,
            message,
            evidence,
            raisedAt: evaluatedAt.toISOString(),
            scope: 'conversation',
          },
          { ...options, id: EvaluationIds.alertEvent(alertId) },
        );
      };
      if (!scores.grounded) {
        await raise(
          'ungrounded_reply',
          'warning',
          `Reply ${reply.replyId}: ${unsupported.length} of ${scores.claims.length} claims not supported by the grounding (groundedness ${scores.groundedness.toFixed(2)} < ${this.config.groundednessThreshold}).`,
          {
            replyId: reply.replyId,
            groundedness: scores.groundedness,
            threshold: this.config.groundednessThreshold,
            unsupportedClaims: unsupported,
            groundingSourceIds: reply.grounding.map((g) => g.sourceId),
            model: reply.model,
          },
        );
      }
      for (const [kind, ofKind] of policyAlerts(flags)) {
        const severity = ofKind.some((f) => f.severity === 'critical') ? 'critical' : 'warning';
        await raise(
          `policy_${kind}`,
          severity,
          `Reply ${reply.replyId}: ${ofKind.length} ${kind.replace(/_/g, ' ')} flag(s): ${ofKind
            .map((f) => `"${f.evidence}"`)
            .join(', ')}.`,
          { replyId: reply.replyId, flags: ofKind, model: reply.model },
        );
      }
      const labels = { model: reply.model.name, promptVersion: reply.model.promptVersion };
      recordTurnLatency(latency, labels);
      recordEvaluationScores(scores, labels);
      recordPolicyFlags(flags, labels);
      return evaluation;
    });
  }
}

/** The flags of severity warning or above, grouped by kind (one alert per kind and reply). */
function policyAlerts(flags: readonly PolicyFlag[]): Map<PolicyFlag['kind'], PolicyFlag[]> {
  const byKind = new Map<PolicyFlag['kind'], PolicyFlag[]>();
  for (const flag of flags) {
    if (SEVERITY_RANK[flag.severity] < SEVERITY_RANK.warning) continue;
    byKind.set(flag.kind, [...(byKind.get(flag.kind) ?? []), flag]);
  }
  return byKind;
}
