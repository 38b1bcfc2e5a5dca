import { z } from 'zod';
import {
  Analysis,
  Citation,
  ConversationMode,
  DealStage,
  EvaluationCompletedData,
  Id,
  IsoTime,
  ModelInfo,
  NextBestAction,
  ProspectRef,
  ToolError,
  TurnRole,
} from '@lib/contracts';

/**
 * The conversation record as the internal read API serves it. The gateway reuses these schemas for its
 * OpenAPI document and validates responses with them in ConversationRecordClient.
 */
export const ConversationSummary = z.object({
  id: Id,
  tenantId: z.string(),
  status: z
    .enum(['pending', 'active'])
    .describe('pending: events about the conversation arrived before conversation.started (not stored yet)'),
  mode: ConversationMode.nullable(),
  prospect: ProspectRef.nullable(),
  repId: z.string().nullable(),
  title: z.string().nullable(),
  stage: DealStage.nullable().describe('Deal stage of the latest analysed turn'),
  startedAt: IsoTime,
  updatedAt: IsoTime,
  turnCount: z.int().nonnegative(),
  crm: z
    .object({
      contactId: z
        .string()
        .nullable()
        .describe("The prospect reference's crmContactId, else the CRM lookup's"),
      accountId: z.string().nullable(),
      dealId: z.string().nullable(),
    })
    .optional()
    .describe(
      'The CRM records the conversation is about: the earliest a CRM lookup or a deal change named; null ' +
        'while none did',
    ),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const TurnAnalysisView = Analysis.extend({
  nextBestActions: z.array(NextBestAction).optional(),
  model: ModelInfo,
  completedAt: IsoTime,
});
export type TurnAnalysisView = z.infer<typeof TurnAnalysisView>;

export const ReplyView = z.object({
  id: Id,
  kind: z.enum(['reply', 'suggestion']),
  text: z.string(),
  citations: z.array(Citation),
  model: ModelInfo,
  usage: z.object({
    inputTokens: z.int().nonnegative(),
    outputTokens: z.int().nonnegative(),
    cacheReadTokens: z.int().nonnegative().optional().describe('Input tokens read from the prompt cache'),
    cacheWriteTokens: z.int().nonnegative().optional().describe('Input tokens written to the prompt cache'),
    costUsd: z
      .number()
      .nonnegative()
      .optional()
      .describe('Cost of every model call of the turn, in US dollars'),
    modelCalls: z.int().nonnegative().optional().describe('Number of model calls the turn made'),
  }),
  latencyMs: z
    .int()
    .nonnegative()
    .optional()
    .describe(
      'From the turn received to the reply generated; absent for replies stored before it was recorded',
    ),
  generatedAt: IsoTime,
});
export type ReplyView = z.infer<typeof ReplyView>;

export const TurnFailureView = z.object({ code: z.string(), message: z.string(), failedAt: IsoTime });
export type TurnFailureView = z.infer<typeof TurnFailureView>;

export const ToolCallView = z.object({
  id: Id,
  tool: z.string(),
  status: z.enum(['requested', 'completed', 'failed']),
  arguments: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('null while only the outcome of the call is stored'),
  result: z.unknown().describe('The tool result when completed, else null'),
  error: ToolError.nullable(),
  durationMs: z.number().nonnegative().nullable(),
  requestedAt: IsoTime.nullable(),
  finishedAt: IsoTime.nullable(),
});
export type ToolCallView = z.infer<typeof ToolCallView>;

export const EvaluationView = z.object({
  id: Id,
  replyId: Id,
  scores: EvaluationCompletedData.shape.scores,
  latency: EvaluationCompletedData.shape.latency,
  promptVersion: z.string(),
  evaluator: EvaluationCompletedData.shape.evaluator,
  evaluatedAt: IsoTime,
});
export type EvaluationView = z.infer<typeof EvaluationView>;

export const FeedbackView = z.object({
  id: Id,
  thumbs: z.enum(['up', 'down']).nullable(),
  rating: z.int().min(1).max(5).nullable(),
  comment: z.string().nullable(),
  submittedAt: IsoTime,
});
export type FeedbackView = z.infer<typeof FeedbackView>;

export const TurnView = z.object({
  id: Id,
  sequence: z.int().positive(),
  role: TurnRole,
  text: z.string(),
  receivedAt: IsoTime,
  redactedText: z
    .string()
    .optional()
    .describe('The text with personal data (emails, phones, card numbers, known names) replaced'),
  wordCount: z.int().nonnegative().optional(),
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional()
    .describe('W3C trace id of the turn: open it in the trace viewer'),
  tokenCount: z.int().nonnegative().optional().describe('Estimated (about 4 characters per token)'),
  suggestion: z
    .object({
      replyId: Id,
      disposition: z
        .enum(['accepted', 'edited'])
        .nullable()
        .describe('accepted: sent as suggested (case and spacing aside); null while the reply is not stored'),
    })
    .optional()
    .describe("A rep's turn that sent an AI suggestion"),
  analysis: TurnAnalysisView.optional(),
  reply: ReplyView.optional(),
  failure: TurnFailureView.optional(),
  toolCalls: z.array(ToolCallView),
  evaluations: z.array(EvaluationView),
  feedback: z.array(FeedbackView),
});
export type TurnView = z.infer<typeof TurnView>;

export const AlertView = z.object({
  id: Id,
  turnId: Id.nullable(),
  severity: z.enum(['info', 'warning', 'critical']),
  kind: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  raisedAt: IsoTime,
});
export type AlertView = z.infer<typeof AlertView>;

export const StageTransitionView = z.object({
  turnId: Id.describe('The analysed turn whose stage differs from the previous one'),
  sequence: z.int().positive().nullable().describe('null while the turn is not stored yet'),
  from: DealStage.nullable().describe("null for the conversation's first known stage"),
  to: DealStage,
  at: IsoTime.describe("The analysis' completion time"),
});
export type StageTransitionView = z.infer<typeof StageTransitionView>;

/** `GET /internal/v1/tenants/:tenantId/conversations/:conversationId` */
export const ConversationView = z.object({
  conversation: ConversationSummary,
  turns: z.array(TurnView).describe('Ordered by sequence; only turns already stored'),
  alerts: z.array(AlertView),
  stageTransitions: z
    .array(StageTransitionView)
    .optional()
    .describe("The deal stage's changes, in turn order"),
  feedback: z
    .array(FeedbackView)
    .optional()
    .describe('Feedback on the whole conversation (not on one reply), oldest first'),
});
export type ConversationView = z.infer<typeof ConversationView>;

/** `GET /internal/v1/tenants/:tenantId/conversations?limit=&cursor=` */
export const ConversationList = z.object({
  items: z.array(ConversationSummary).describe('Newest first'),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});
export type ConversationList = z.infer<typeof ConversationList>;

/** Tenant ids follow the envelope's `tenantid` rules. */
export const TenantIdParam = z.string().min(1).max(128);

export const ConversationParams = z.object({ tenantId: TenantIdParam, conversationId: Id });

export const CONVERSATION_LIST_DEFAULT_LIMIT = 20;
export const CONVERSATION_LIST_MAX_LIMIT = 100;

export const ConversationListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(CONVERSATION_LIST_MAX_LIMIT)
    .default(CONVERSATION_LIST_DEFAULT_LIMIT),
  cursor: Id.optional(),
});
export type ConversationListQuery = z.infer<typeof ConversationListQuery>;
