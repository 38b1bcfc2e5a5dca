import { Injectable, Logger } from '@nestjs/common';
import type {
  AlertRaisedData,
  AnalysisCompletedData,
  ConversationFeedbackSubmittedData,
  ConversationStartedData,
  EvaluationCompletedData,
  FeedbackSubmittedData,
  ProspectRef,
  ReplyGeneratedData,
  ToolCompletedData,
  ToolFailedData,
  ToolRequestedData,
  TurnFailedData,
  TurnReceivedData,
} from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { redactPii } from '@lib/privacy';
import { InteractionLog } from './interaction-log';
import {
  applyConversationFact,
  sameConversationState,
  type ConversationFact,
  type ConversationState,
} from '../model/conversation-state';
import { CRM_REF_TOOLS } from '../model/crm-refs';
import { handledObjections } from '../model/objection-handling';
import { stageTransitions } from '../model/stage-transitions';
import { applyToolCallFact, type ToolCallFact } from '../model/tool-call-state';
import { estimateTokens, suggestionDisposition, wordCount } from '../model/turn-text';
import { ConversationSnapshots } from '../state/conversation-snapshots';
import {
  AlertRepository,
  AnalysisRepository,
  ConversationFeedbackRepository,
  ConversationProgressRepository,
  ConversationRepository,
  CrmRefsRepository,
  EvaluationRepository,
  FeedbackRepository,
  ReplyRepository,
  ToolCallRepository,
  TurnFailureRepository,
  TurnRepository,
} from '../repositories';

/**
 * Stores every conversation event in the record. Each method is one unit of work (joining the transport's
 * when there is one) that starts by locking the conversation's row (creating a stub when the event is the
 * first heard of it), so the writes of one conversation never interleave. Writes are idempotent: a fact
 * already stored (same key) changes nothing, whatever the event id.
 */
@Injectable()
export class ConversationRecorder {
  private readonly logger = new Logger(ConversationRecorder.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly conversations: ConversationRepository,
    private readonly turns: TurnRepository,
    private readonly analyses: AnalysisRepository,
    private readonly toolCalls: ToolCallRepository,
    private readonly replies: ReplyRepository,
    private readonly failures: TurnFailureRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly feedback: FeedbackRepository,
    private readonly alerts: AlertRepository,
    private readonly snapshots: ConversationSnapshots,
    private readonly progress: ConversationProgressRepository,
    private readonly crmRefs: CrmRefsRepository,
    private readonly interactions: InteractionLog,
    private readonly conversationFeedback: ConversationFeedbackRepository,
  ) {}

  async conversationStarted(tenantId: string, data: ConversationStartedData): Promise<void> {
    const startedAt = new Date(data.startedAt);
    await this.uow.run(async () => {
      await this.merge(tenantId, data.conversationId, startedAt, {
        kind: 'started',
        mode: data.mode,
        prospect: data.prospect,
        repId: data.repId,
        title: data.title,
        startedAt,
      });
    });
  }

  /** `traceId`: the W3C trace id of the turn (its event's `traceparent`), stored with it. */
  async turnReceived(tenantId: string, data: TurnReceivedData, traceId: string | null = null): Promise<void> {
    const receivedAt = new Date(data.receivedAt);
    await this.uow.run(async () => {
      const current = await this.conversations.lockOrCreate(tenantId, data.conversationId, receivedAt);
      const fact: ConversationFact = {
        kind: 'turn',
        mode: data.conversation.mode,
        prospect: data.conversation.prospect,
        receivedAt,
      };
      // Redacted with the names the conversation knows once this turn is merged (the snapshot's prospect
      // fills a stub's), the same names every later re-redaction uses.
      const merged = applyConversationFact(current, fact);
      const names = await this.redactionNames(tenantId, data.conversationId, merged.prospect);
      const suggested = data.suggestion
        ? await this.replies.findText(tenantId, data.conversationId, data.suggestion.replyId)
        : undefined;
      const stored = await this.turns.insert(
        tenantId,
        data,
        {
          redactedText: redactPii(data.text, names).text,
          wordCount: wordCount(data.text),
          tokenCount: estimateTokens(data.text),
          suggestionDisposition: suggested === undefined ? null : suggestionDisposition(data.text, suggested),
        },
        traceId,
      );
      if (!stored) {
        this.logger.debug(`turn ${data.turnId} (#${data.sequence}) already stored`);
        return;
      }
      // An analysis that arrived before the turn counts in the analytics from now on (prospects' turns).
      await this.analyses.assignRole(tenantId, data.turnId, data.role);
      this.interactions.record({
        kind: 'turn.received',
        tenantId,
        conversationId: data.conversationId,
        turnId: data.turnId,
        role: data.role,
        text: data.text,
        names,
        attributes: {
          sequence: data.sequence,
          suggestionReplyId: data.suggestion?.replyId ?? null,
        },
      });
      await this.save(tenantId, data.conversationId, current, fact);
      // Its sequence is known now: an analysis stored before the turn may have become the latest one.
      await this.conversations.refreshStage(tenantId, data.conversationId);
      await this.refreshProgress(tenantId, data.conversationId);
      await this.snapshots.publishIfChanged(tenantId, data.conversationId);
    });
  }

  async toolRequested(tenantId: string, data: ToolRequestedData): Promise<void> {
    const requestedAt = new Date(data.requestedAt);
    await this.recordToolCall(tenantId, data, requestedAt, {
      kind: 'requested',
      tool: data.tool,
      arguments: data.arguments,
      requestedAt,
    });
  }

  async toolCompleted(tenantId: string, data: ToolCompletedData): Promise<void> {
    const completedAt = new Date(data.completedAt);
    await this.recordToolCall(tenantId, data, completedAt, {
      kind: 'completed',
      tool: data.tool,
      result: data.result,
      durationMs: data.durationMs,
      completedAt,
    });
  }

  async toolFailed(tenantId: string, data: ToolFailedData): Promise<void> {
    const failedAt = new Date(data.failedAt);
    await this.recordToolCall(tenantId, data, failedAt, {
      kind: 'failed',
      tool: data.tool,
      error: data.error,
      durationMs: data.durationMs,
      failedAt,
    });
  }

  async analysisCompleted(tenantId: string, data: AnalysisCompletedData): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.completedAt), async (current) => {
      const stored = await this.analyses.insert(tenantId, data);
      if (!stored) return false;
      await this.conversations.refreshStage(tenantId, data.conversationId);
      await this.refreshProgress(tenantId, data.conversationId);
      // New person names: the conversation's turns are redacted again with them.
      if (data.analysis.entities.some((e) => e.type === 'person'))
        await this.redactTurns(tenantId, data.conversationId, current.prospect);
      return true;
    });
  }

  async replyGenerated(tenantId: string, data: ReplyGeneratedData): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.generatedAt), async (current) => {
      if (!(await this.replies.insert(tenantId, data))) return false;
      this.interactions.record({
        kind: 'reply.generated',
        tenantId,
        conversationId: data.conversationId,
        turnId: data.turnId,
        role: 'assistant',
        text: data.text,
        names: await this.redactionNames(tenantId, data.conversationId, current.prospect),
        attributes: {
          replyId: data.replyId,
          replyKind: data.kind,
          model: data.model.name,
          promptVersion: data.model.promptVersion,
          citations: data.citations.length,
        },
      });
      await this.decideSuggestions(tenantId, data.conversationId, data.replyId, data.text);
      return true;
    });
  }

  async turnFailed(tenantId: string, data: TurnFailedData): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.failedAt), async () => {
      if (!(await this.failures.insert(tenantId, data))) return false;
      this.interactions.record({
        kind: 'turn.failed',
        tenantId,
        conversationId: data.conversationId,
        turnId: data.turnId,
        role: 'assistant',
        attributes: { code: data.reason.code },
      });
      return true;
    });
  }

  async evaluationCompleted(tenantId: string, data: EvaluationCompletedData): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.evaluatedAt), () =>
      this.evaluations.insert(tenantId, data),
    );
  }

  async feedbackSubmitted(tenantId: string, data: FeedbackSubmittedData): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.submittedAt), () =>
      this.feedback.insert(tenantId, data),
    );
  }

  async conversationFeedbackSubmitted(
    tenantId: string,
    data: ConversationFeedbackSubmittedData,
  ): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.submittedAt), () =>
      this.conversationFeedback.insert(tenantId, data),
    );
  }

  async alertRaised(tenantId: string, data: AlertRaisedData): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.raisedAt), () =>
      this.alerts.insert(tenantId, data),
    );
  }

  /** A write-once fact (analysis, reply, failure, evaluation, feedback, alert) and the activity it means. */
  private async recordOnce(
    tenantId: string,
    conversationId: string,
    at: Date,
    insert: (current: ConversationState) => Promise<boolean>,
  ): Promise<void> {
    await this.uow.run(async () => {
      const current = await this.conversations.lockOrCreate(tenantId, conversationId, at);
      if (await insert(current)) await this.save(tenantId, conversationId, current, { kind: 'activity', at });
    });
  }

  private async recordToolCall(
    tenantId: string,
    data: ToolRequestedData | ToolCompletedData | ToolFailedData,
    at: Date,
    fact: ToolCallFact,
  ): Promise<void> {
    await this.uow.run(async () => {
      const current = await this.conversations.lockOrCreate(tenantId, data.conversationId, at);
      const stored = (await this.toolCalls.find(tenantId, data.toolCallId)) ?? undefined;
      const next = applyToolCallFact(stored, fact);
      if (next === stored) return;
      await this.toolCalls.save({ tenantId, ...data }, next);
      await this.save(tenantId, data.conversationId, current, { kind: 'activity', at });
      if ((CRM_REF_TOOLS as readonly string[]).includes(data.tool))
        await this.crmRefs.refresh(tenantId, data.conversationId);
    });
  }

  /** The names redacted from the conversation's turns: the prospect's and the persons its analyses found. */
  private async redactionNames(
    tenantId: string,
    conversationId: string,
    prospect: ProspectRef | null,
  ): Promise<string[]> {
    const persons = await this.progress.personNames(tenantId, conversationId);
    return prospect?.name ? [prospect.name, ...persons] : persons;
  }

  /**
   * Redacts every turn of the conversation again from its raw text, with the names known now (a new person
   * entity, the prospect's name set or changed); writes only the texts that change. The result is a
   * function of the stored facts, whatever the order they arrived in.
   */
  private async redactTurns(
    tenantId: string,
    conversationId: string,
    prospect: ProspectRef | null,
  ): Promise<void> {
    const names = await this.redactionNames(tenantId, conversationId, prospect);
    const turns = await this.turns.listTexts(tenantId, conversationId);
    const updates = turns.flatMap((t) => {
      const redactedText = redactPii(t.text, names).text;
      return redactedText === t.redactedText ? [] : [{ id: t.id, redactedText }];
    });
    await this.turns.updateRedactedTexts(tenantId, updates);
  }

  /** Stage transitions and handled objections, recomputed from all the conversation's analyses and turns. */
  private async refreshProgress(tenantId: string, conversationId: string): Promise<void> {
    const analysed = await this.progress.analysedTurns(tenantId, conversationId);
    // Analyses are write-once: without any there are no transitions nor objections to update.
    if (analysed.length === 0) return;
    await this.progress.replaceStageTransitions(tenantId, conversationId, stageTransitions(analysed));
    if (analysed.some((a) => a.objections.length > 0))
      await this.progress.markHandledObjections(tenantId, conversationId, handledObjections(analysed));
  }

  /** A reply stored after the rep's turns that sent it as a suggestion: their disposition is decided now. */
  private async decideSuggestions(
    tenantId: string,
    conversationId: string,
    replyId: string,
    replyText: string,
  ): Promise<void> {
    const waiting = await this.turns.undecidedSuggestions(tenantId, conversationId, replyId);
    for (const turn of waiting)
      await this.turns.setSuggestionDisposition(
        tenantId,
        turn.id,
        suggestionDisposition(turn.text, replyText),
      );
  }

  private async merge(tenantId: string, conversationId: string, at: Date, fact: ConversationFact) {
    const current = await this.conversations.lockOrCreate(tenantId, conversationId, at);
    await this.save(tenantId, conversationId, current, fact);
  }

  private async save(
    tenantId: string,
    conversationId: string,
    current: Parameters<typeof applyConversationFact>[0],
    fact: ConversationFact,
  ): Promise<void> {
    const next = applyConversationFact(current, fact);
    if (!sameConversationState(current, next))
      await this.conversations.update(tenantId, conversationId, next);
    if (JSON.stringify(current.prospect) !== JSON.stringify(next.prospect)) {
      // The prospect reference gives the CRM contact, and its name is redacted from every turn.
      await this.crmRefs.refresh(tenantId, conversationId);
      if (current.prospect?.name !== next.prospect?.name)
        await this.redactTurns(tenantId, conversationId, next.prospect);
    }
    await this.snapshots.publishIfChanged(tenantId, conversationId);
  }
}
