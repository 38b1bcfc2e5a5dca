import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AlertRaised,
  deriveId,
  EvaluationCompleted,
  type EnvelopeOf,
  type EvaluationCompletedData,
  type ReplyGenerated,
} from '@lib/contracts';
import { EventPublisher } from '@lib/messaging';
import { EvaluationRepository } from './evaluation.repository';
import { EVALUATOR_CONFIG, type EvaluatorConfig } from './evaluator.config';
import { scoreReply } from './scoring/reply-scores';

export const EVALUATOR_INFO = Object.freeze({ name: 'rule-based-evaluator', version: '1' });

export const EvaluationIds = {
  evaluation: (replyId: string): string => deriveId(replyId, 'evaluation'),
  evaluationEvent: (evaluationId: string): string => deriveId(evaluationId, 'evaluation.completed'),
  alert: (replyId: string, kind: string): string => deriveId(replyId, 'alert', kind),
  alertEvent: (alertId: string): string => deriveId(alertId, 'alert.raised'),
} as const;

/**
 * Scores each reply once: stores the evaluation (unique per reply) and announces it, with an alert when the
 * reply is not grounded in what the tools returned. Runs in the handler's unit of work.
 */
@Injectable()
export class ReplyEvaluator {
  private readonly logger = new Logger(ReplyEvaluator.name);

  constructor(
    private readonly evaluations: EvaluationRepository,
    private readonly publisher: EventPublisher,
    @Inject(EVALUATOR_CONFIG) private readonly config: EvaluatorConfig,
  ) {}

  async evaluate(event: EnvelopeOf<typeof ReplyGenerated>): Promise<EvaluationCompletedData | undefined> {
    const reply = event.data;
    const scores = scoreReply(reply, this.config);
    const evaluatedAt = new Date();
    const evaluationId = EvaluationIds.evaluation(reply.replyId);
    const unsupported = scores.claims.filter((c) => !c.supported).map((c) => c.claim);

    return this.evaluations.inTransaction(async () => {
      const stored = await this.evaluations.insert({
        evaluationId,
        replyId: reply.replyId,
        conversationId: reply.conversationId,
        turnId: reply.turnId,
        tenantId: event.tenantid,
        groundedness: scores.groundedness,
        grounded: scores.grounded,
        citationValidity: scores.citationValidity,
        schemaValid: scores.schemaValid,
        totalMs: scores.latency.totalMs,
        latency: scores.latency.stages,
        details: { claims: scores.claims, schemaIssues: scores.schemaIssues },
        promptVersion: reply.model.promptVersion,
        model: reply.model,
        evaluatedAt,
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
        },
        latency: scores.latency,
        promptVersion: reply.model.promptVersion,
        evaluator: EVALUATOR_INFO,
        evaluatedAt: evaluatedAt.toISOString(),
      };
      const options = { tenantId: event.tenantid, causation: event, correlationId: reply.turnId };
      await this.publisher.publish(EvaluationCompleted, evaluation, {
        ...options,
        id: EvaluationIds.evaluationEvent(evaluationId),
      });
      if (!scores.grounded) {
        const alertId = EvaluationIds.alert(reply.replyId, 'ungrounded_reply');
        this.logger.warn(
          `reply ${reply.replyId} is not grounded (groundedness ${scores.groundedness.toFixed(2)})`,
        );
        await this.publisher.publish(
          AlertRaised,
          {
            alertId,
            conversationId: reply.conversationId,
            turnId: reply.turnId,
            severity: 'warning',
            kind: 'ungrounded_reply',
            message: `Reply ${reply.replyId}: ${unsupported.length} of ${scores.claims.length} claims not supported by the grounding (groundedness ${scores.groundedness.toFixed(2)} < ${this.config.groundednessThreshold}).`,
            evidence: {
              replyId: reply.replyId,
              groundedness: scores.groundedness,
              threshold: this.config.groundednessThreshold,
              unsupportedClaims: unsupported,
              groundingSourceIds: reply.grounding.map((g) => g.sourceId),
              model: reply.model,
            },
            raisedAt: evaluatedAt.toISOString(),
          },
          { ...options, id: EvaluationIds.alertEvent(alertId) },
        );
      }
      return evaluation;
    });
  }
}
