import { Injectable, Logger } from '@nestjs/common';
import type {
  AlertRaisedData,
  AnalysisCompletedData,
  ConversationStartedData,
  EvaluationCompletedData,
  FeedbackSubmittedData,
  ReplyGeneratedData,
  ToolCompletedData,
  ToolFailedData,
  ToolRequestedData,
  TurnFailedData,
  TurnReceivedData,
} from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import {
  applyConversationFact,
  sameConversationState,
  type ConversationFact,
} from '../model/conversation-state';
import { applyToolCallFact, type ToolCallFact } from '../model/tool-call-state';
import {
  AlertRepository,
  AnalysisRepository,
  ConversationRepository,
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

  async turnReceived(tenantId: string, data: TurnReceivedData): Promise<void> {
    const receivedAt = new Date(data.receivedAt);
    await this.uow.run(async () => {
      const current = await this.conversations.lockOrCreate(tenantId, data.conversationId, receivedAt);
      if (!(await this.turns.insert(tenantId, data))) {
        this.logger.debug(`turn ${data.turnId} (#${data.sequence}) already stored`);
        return;
      }
      await this.save(tenantId, data.conversationId, current, {
        kind: 'turn',
        mode: data.conversation.mode,
        prospect: data.conversation.prospect,
        receivedAt,
      });
      // Its sequence is known now: an analysis stored before the turn may have become the latest one.
      await this.conversations.refreshStage(tenantId, data.conversationId);
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
    await this.recordOnce(tenantId, data.conversationId, new Date(data.completedAt), async () => {
      const stored = await this.analyses.insert(tenantId, data);
      if (stored) await this.conversations.refreshStage(tenantId, data.conversationId);
      return stored;
    });
  }

  async replyGenerated(tenantId: string, data: ReplyGeneratedData): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.generatedAt), () =>
      this.replies.insert(tenantId, data),
    );
  }

  async turnFailed(tenantId: string, data: TurnFailedData): Promise<void> {
    await this.recordOnce(tenantId, data.conversationId, new Date(data.failedAt), () =>
      this.failures.insert(tenantId, data),
    );
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
    insert: () => Promise<boolean>,
  ): Promise<void> {
    await this.uow.run(async () => {
      const current = await this.conversations.lockOrCreate(tenantId, conversationId, at);
      if (await insert()) await this.save(tenantId, conversationId, current, { kind: 'activity', at });
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
    });
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
  }
}
