import type {
  AlertEntity,
  AnalysisEntity,
  ConversationEntity,
  EvaluationEntity,
  ConversationFeedbackEntity,
  FeedbackEntity,
  ReplyEntity,
  StageTransitionEntity,
  ToolCallEntity,
  TurnEntity,
  TurnFailureEntity,
} from '../entities';
import type {
  AlertView,
  ConversationSummary,
  ConversationView,
  EvaluationView,
  FeedbackView,
  ReplyView,
  StageTransitionView,
  ToolCallView,
  TurnAnalysisView,
  TurnView,
} from './conversation-view.schema';

/** Every stored row of one conversation, as the repositories return them. */
export interface ConversationRows {
  readonly conversation: ConversationEntity;
  readonly turns: readonly TurnEntity[];
  readonly analyses: readonly AnalysisEntity[];
  readonly replies: readonly ReplyEntity[];
  readonly failures: readonly TurnFailureEntity[];
  readonly toolCalls: readonly ToolCallEntity[];
  readonly evaluations: readonly EvaluationEntity[];
  readonly feedback: readonly FeedbackEntity[];
  readonly alerts: readonly AlertEntity[];
  /** In conversation order (the repository's); the view leaves the list out when absent. */
  readonly stageTransitions?: readonly StageTransitionEntity[];
  /** Feedback on the whole conversation; the view leaves the list out when absent. */
  readonly conversationFeedback?: readonly ConversationFeedbackEntity[];
}

const iso = (d: Date): string => d.toISOString();
const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Chronological, with the id as tie-breaker so the order is stable. */
function byTime<T extends { id: string }>(at: (row: T) => Date | null): (a: T, b: T) => number {
  return (a, b) => {
    const ta = at(a)?.getTime() ?? Number.POSITIVE_INFINITY;
    const tb = at(b)?.getTime() ?? Number.POSITIVE_INFINITY;
    return ta !== tb ? ta - tb : a.id.localeCompare(b.id);
  };
}

function groupByTurn<T extends { turnId: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.turnId);
    if (group) group.push(row);
    else groups.set(row.turnId, [row]);
  }
  return groups;
}

export function toConversationSummary(c: ConversationEntity): ConversationSummary {
  return {
    id: c.id,
    tenantId: c.tenantId,
    status: c.status,
    mode: c.mode,
    prospect: c.prospect,
    repId: c.repId,
    title: c.title,
    stage: c.stage,
    startedAt: iso(c.startedAt),
    updatedAt: iso(c.updatedAt),
    turnCount: c.turnCount,
    crm: { contactId: c.crmContactId, accountId: c.crmAccountId, dealId: c.crmDealId },
  };
}

function toAnalysisView(a: AnalysisEntity): TurnAnalysisView {
  return {
    intents: a.intents,
    sentiment: { label: a.sentimentLabel, score: a.sentimentScore },
    entities: a.entities,
    objections: a.objections,
    buyingSignals: a.buyingSignals,
    stage: a.stage,
    ...(a.qualification !== null && { qualification: a.qualification }),
    ...(a.nextBestActions !== null && { nextBestActions: a.nextBestActions }),
    model: a.model,
    completedAt: iso(a.completedAt),
  };
}

/** `{ key: value }` when the column holds a value, `{}` when it is null (the view's fields are optional). */
function present<K extends string>(key: K, value: number | null): Partial<Record<K, number>> {
  return value === null ? {} : ({ [key]: value } as Record<K, number>);
}

function toReplyView(r: ReplyEntity): ReplyView {
  return {
    id: r.id,
    kind: r.kind,
    text: r.text,
    citations: r.citations,
    model: r.model,
    usage: {
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      ...present('cacheReadTokens', r.cacheReadTokens),
      ...present('cacheWriteTokens', r.cacheWriteTokens),
      ...present('costUsd', r.costUsd),
      ...present('modelCalls', r.modelCalls),
    },
    ...present('latencyMs', r.latencyMs),
    generatedAt: iso(r.generatedAt),
  };
}

/** The suggestion a rep's turn sent, when it sent one. */
function suggestionOf(t: TurnEntity): Pick<TurnView, 'suggestion'> {
  if (t.suggestionReplyId === null) return {};
  return { suggestion: { replyId: t.suggestionReplyId, disposition: t.suggestionDisposition } };
}

function toStageTransitionView(s: StageTransitionEntity): StageTransitionView {
  return { turnId: s.turnId, sequence: s.sequence, from: s.fromStage, to: s.toStage, at: iso(s.occurredAt) };
}

function toToolCallView(t: ToolCallEntity): ToolCallView {
  return {
    id: t.id,
    tool: t.tool,
    status: t.status,
    arguments: t.arguments,
    result: t.result ?? null,
    error: t.error,
    durationMs: t.durationMs,
    requestedAt: isoOrNull(t.requestedAt),
    finishedAt: isoOrNull(t.finishedAt),
  };
}

function toEvaluationView(e: EvaluationEntity): EvaluationView {
  return {
    id: e.id,
    replyId: e.replyId,
    scores: e.scores,
    latency: e.latency,
    promptVersion: e.promptVersion,
    evaluator: e.evaluator,
    evaluatedAt: iso(e.evaluatedAt),
  };
}

function toFeedbackView(f: FeedbackEntity | ConversationFeedbackEntity): FeedbackView {
  return {
    id: f.id,
    thumbs: f.thumbs,
    rating: f.rating,
    comment: f.comment,
    submittedAt: iso(f.submittedAt),
  };
}

function toAlertView(a: AlertEntity): AlertView {
  return {
    id: a.id,
    turnId: a.turnId,
    severity: a.severity,
    kind: a.kind,
    message: a.message,
    evidence: a.evidence,
    raisedAt: iso(a.raisedAt),
  };
}

/**
 * Nests each turn's analysis, reply, failure, tool calls, evaluations and feedback under the turn, turns
 * by sequence, the lists chronologically. Rows of turns that are not stored yet (late `turn.received`)
 * are left out until the turn arrives.
 */
export function toConversationView(rows: ConversationRows): ConversationView {
  const analyses = new Map(rows.analyses.map((a) => [a.turnId, a]));
  const replies = new Map(rows.replies.map((r) => [r.turnId, r]));
  const failures = new Map(rows.failures.map((f) => [f.turnId, f]));
  const toolCalls = groupByTurn(rows.toolCalls);
  const evaluations = groupByTurn(rows.evaluations);
  const feedback = groupByTurn(rows.feedback);

  const turns = [...rows.turns]
    .sort((a, b) => a.sequence - b.sequence)
    .map((t): TurnView => {
      const analysis = analyses.get(t.id);
      const reply = replies.get(t.id);
      const failure = failures.get(t.id);
      return {
        id: t.id,
        sequence: t.sequence,
        role: t.role,
        text: t.text,
        receivedAt: iso(t.receivedAt),
        ...(t.redactedText !== null && { redactedText: t.redactedText }),
        ...present('wordCount', t.wordCount),
        ...(t.traceId ? { traceId: t.traceId } : {}),
        ...present('tokenCount', t.tokenCount),
        ...suggestionOf(t),
        ...(analysis && { analysis: toAnalysisView(analysis) }),
        ...(reply && { reply: toReplyView(reply) }),
        ...(failure && {
          failure: { code: failure.code, message: failure.message, failedAt: iso(failure.failedAt) },
        }),
        toolCalls: (toolCalls.get(t.id) ?? [])
          .sort(byTime((c) => c.requestedAt ?? c.finishedAt))
          .map(toToolCallView),
        evaluations: (evaluations.get(t.id) ?? []).sort(byTime((e) => e.evaluatedAt)).map(toEvaluationView),
        feedback: (feedback.get(t.id) ?? []).sort(byTime((f) => f.submittedAt)).map(toFeedbackView),
      };
    });

  return {
    conversation: toConversationSummary(rows.conversation),
    turns,
    alerts: [...rows.alerts].sort(byTime((a) => a.raisedAt)).map(toAlertView),
    ...(rows.stageTransitions && { stageTransitions: rows.stageTransitions.map(toStageTransitionView) }),
    ...(rows.conversationFeedback && {
      feedback: [...rows.conversationFeedback].sort(byTime((f) => f.submittedAt)).map(toFeedbackView),
    }),
  };
}
