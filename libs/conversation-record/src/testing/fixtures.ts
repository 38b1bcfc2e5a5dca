import {
  AlertRaised,
  AnalysisCompleted,
  ConversationStarted,
  CrmChangeApplied,
  CrmChangeProposed,
  EvaluationCompleted,
  FeedbackSubmitted,
  ReplyGenerated,
  ToolCompleted,
  ToolFailed,
  ToolRequested,
  TurnFailed,
  TurnReceived,
  deriveId,
  newId,
  type AnalysisCompletedData,
  type EnvelopeOf,
  type ProspectRef,
  type ReplyGeneratedData,
  type TurnReceivedData,
  type EventData,
  type EventDefinition,
} from '@lib/contracts';
import { createEnvelope } from '@lib/messaging';

/** Test-only builders of valid events of one conversation (validated by createEnvelope). */
export const at = (minute: number, second = 0): string =>
  new Date(Date.UTC(2025, 0, 15, 10, minute, second)).toISOString();

export function envelope<D extends EventDefinition>(
  definition: D,
  data: EventData<D>,
  tenantId: string,
  id?: string,
): EnvelopeOf<D> {
  return createEnvelope(definition, data, { tenantId, id }, 'test');
}

const model = { provider: 'offline', name: 'rules', promptVersion: 'v1' };

const defaultProspect: ProspectRef = { name: 'Dana Scott', company: 'Acme' };

/** What an analysis may say beyond the defaults (`analysis` replaces the analysed facts it names). */
export interface AnalysisOverrides {
  readonly analysis?: Partial<AnalysisCompletedData['analysis']>;
  readonly nextBestActions?: AnalysisCompletedData['nextBestActions'];
  readonly completedAt?: string;
}

export class ConversationScript {
  readonly conversationId = newId();
  constructor(
    readonly tenantId: string,
    readonly prospect: ProspectRef = defaultProspect,
  ) {}

  proposalId(sequence: number, n = 0): string {
    return deriveId(this.turnId(sequence), 'crm-proposal', String(n));
  }

  turnId(sequence: number): string {
    return deriveId(this.conversationId, 'turn', String(sequence));
  }

  replyId(sequence: number): string {
    return deriveId(this.turnId(sequence), 'reply');
  }

  toolCallId(sequence: number, tool: string): string {
    return deriveId(this.turnId(sequence), 'tool', tool);
  }

  started(startedAt = at(0)): EnvelopeOf<typeof ConversationStarted> {
    return envelope(
      ConversationStarted,
      {
        conversationId: this.conversationId,
        mode: 'assist',
        prospect: this.prospect,
        repId: 'rep-7',
        title: 'Acme renewal',
        startedAt,
      },
      this.tenantId,
    );
  }

  /** Odd sequences are the prospect's turns, even ones the rep's. */
  turn(
    sequence: number,
    receivedAt = at(sequence),
    overrides: Partial<Pick<TurnReceivedData, 'text' | 'suggestion'>> = {},
  ): EnvelopeOf<typeof TurnReceived> {
    return envelope(
      TurnReceived,
      {
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        sequence,
        role: sequence % 2 === 1 ? 'prospect' : 'rep',
        text: `turn number ${sequence}`,
        conversation: { mode: 'assist', prospect: this.prospect },
        receivedAt,
        ...overrides,
      },
      this.tenantId,
    );
  }

  toolRequested(sequence: number, tool = 'crm.lookup', requestedAt = at(sequence, 1)) {
    return envelope(
      ToolRequested,
      {
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        toolCallId: this.toolCallId(sequence, tool),
        tool,
        arguments: { query: 'Acme' },
        requestedAt,
      },
      this.tenantId,
    );
  }

  toolCompleted(
    sequence: number,
    tool = 'crm.lookup',
    completedAt = at(sequence, 2),
    result: unknown = { accounts: [{ id: 'acc-1', name: 'Acme' }] },
  ) {
    return envelope(
      ToolCompleted,
      {
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        toolCallId: this.toolCallId(sequence, tool),
        tool,
        result,
        durationMs: 12.5,
        completedAt,
      },
      this.tenantId,
    );
  }

  toolFailed(sequence: number, tool = 'kb.search', failedAt = at(sequence, 2)) {
    return envelope(
      ToolFailed,
      {
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        toolCallId: this.toolCallId(sequence, tool),
        tool,
        error: { code: 'timeout', message: 'no answer', retryable: true },
        durationMs: 3000,
        failedAt,
      },
      this.tenantId,
    );
  }

  analysis(
    sequence: number,
    stage: AnalysisCompletedData['analysis']['stage'] = 'discovery',
    overrides: AnalysisOverrides = {},
  ) {
    return envelope(
      AnalysisCompleted,
      {
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        analysis: {
          intents: [{ name: 'pricing_question', confidence: 0.9 }],
          sentiment: { label: 'neutral', score: 0.1 },
          entities: [{ type: 'company', text: 'Acme' }],
          objections: [{ type: 'price', evidence: 'too expensive' }],
          buyingSignals: [{ signal: 'asks for timeline', evidence: 'when could we start' }],
          stage,
          ...overrides.analysis,
        },
        ...(overrides.nextBestActions && { nextBestActions: overrides.nextBestActions }),
        model,
        completedAt: overrides.completedAt ?? at(sequence, 3),
      },
      this.tenantId,
    );
  }

  reply(
    sequence: number,
    eventId?: string,
    usage: Partial<ReplyGeneratedData['usage']> = {},
    overrides: { text?: string; promptVersion?: string } = {},
  ) {
    return envelope(
      ReplyGenerated,
      {
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        replyId: this.replyId(sequence),
        kind: 'suggestion',
        text: overrides.text ?? `reply to turn ${sequence}`,
        citations: [{ sourceId: 'kb-1', title: 'Pricing', source: 'kb/pricing.md' }],
        grounding: [],
        toolCallIds: [this.toolCallId(sequence, 'crm.lookup')],
        model: { ...model, promptVersion: overrides.promptVersion ?? model.promptVersion },
        usage: { inputTokens: 120, outputTokens: 40, ...usage },
        timing: {
          turnReceivedAt: at(sequence),
          orchestrationStartedAt: at(sequence),
          toolsMs: 12,
          generationMs: 30,
        },
        generatedAt: at(sequence, 4),
      },
      this.tenantId,
      eventId,
    );
  }

  turnFailed(sequence: number) {
    return envelope(
      TurnFailed,
      {
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        reason: { code: 'model_unavailable', message: 'the model did not answer' },
        failedAt: at(sequence, 5),
      },
      this.tenantId,
    );
  }

  evaluation(sequence: number, groundedness = 0.875) {
    return envelope(
      EvaluationCompleted,
      {
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        replyId: this.replyId(sequence),
        evaluationId: deriveId(this.replyId(sequence), 'evaluation'),
        scores: { groundedness, grounded: groundedness > 0.5, citationValidity: 1, schemaValid: true },
        latency: { totalMs: 250, stages: { tools: 12, generation: 30 } },
        promptVersion: 'v1',
        evaluator: { name: 'rules', version: '1' },
        evaluatedAt: at(sequence, 6),
      },
      this.tenantId,
    );
  }

  feedback(sequence: number, thumbs: 'up' | 'down' = 'up', submittedAt = at(sequence, 7)) {
    return envelope(
      FeedbackSubmitted,
      {
        feedbackId: newId(),
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        thumbs,
        rating: 4,
        comment: 'useful',
        submittedAt,
      },
      this.tenantId,
    );
  }

  alert(sequence: number) {
    return envelope(
      AlertRaised,
      {
        alertId: newId(),
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        severity: 'warning',
        kind: 'ungrounded_reply',
        message: 'groundedness below threshold',
        evidence: { groundedness: 0.2 },
        raisedAt: at(sequence, 8),
      },
      this.tenantId,
    );
  }

  /** A proposed change of a deal (`crm.change.proposed`), from the analysis of turn `sequence`. */
  dealChangeProposed(sequence: number, dealId: string, proposedAt = at(sequence, 9), n = 0) {
    return envelope(
      CrmChangeProposed,
      {
        proposalId: this.proposalId(sequence, n),
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        entity: 'deal',
        entityId: dealId,
        kind: 'update_deal',
        diff: { stage: { from: 'discovery', to: 'proposal' } },
        evidence: 'send me the proposal',
        evidenceOrigin: 'prospect',
        source: 'analysis',
        status: 'proposed',
        proposedAt,
      },
      this.tenantId,
    );
  }

  dealChangeApplied(sequence: number, dealId: string, appliedAt = at(sequence, 10), n = 0) {
    return envelope(
      CrmChangeApplied,
      {
        proposalId: this.proposalId(sequence, n),
        conversationId: this.conversationId,
        turnId: this.turnId(sequence),
        entity: 'deal',
        entityId: dealId,
        kind: 'update_deal',
        diff: { stage: { from: 'discovery', to: 'proposal' } },
        decidedBy: 'api-key:k1',
        appliedAt,
      },
      this.tenantId,
    );
  }
}
