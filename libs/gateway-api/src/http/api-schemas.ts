import { z } from 'zod';
import {
  Analysis,
  Citation,
  ConversationDeletionReason,
  ConversationMode,
  Id,
  IsoTime,
  MAX_TURN_TEXT,
  ModelInfo,
  ProspectRef,
  TurnRole,
} from '@lib/contracts';
import { ApiKeyName, TenantName } from '@lib/access';
import { ConversationView } from '@lib/conversation-record';
import { FieldError, ProblemDetails } from './problem';

/**
 * The HTTP API's bodies, defined once: the controllers validate with these schemas and the OpenAPI document
 * is generated from them (`z.toJSONSchema` of this registry), so the two cannot drift apart.
 */
export const apiSchemas = z.registry<{ id: string }>();

function named<S extends z.ZodType>(id: string, schema: S): S {
  apiSchemas.add(schema, { id });
  return schema;
}

named('FieldError', FieldError);
export const Problem = named('Problem', ProblemDetails);

// ---- requests ----

export const CreateConversationRequest = named(
  'CreateConversationRequest',
  z.object({
    prospect: ProspectRef,
    mode: ConversationMode,
    repId: z.string().min(1).max(128).optional().describe('The rep who owns the conversation'),
    title: z.string().max(200).optional(),
  }),
);
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;

export const SubmitTurnRequest = named(
  'SubmitTurnRequest',
  z
    .object({
      role: TurnRole,
      text: z
        .string()
        .min(1, { abort: true })
        .max(MAX_TURN_TEXT)
        .refine((t) => t.trim().length > 0, 'must not be blank')
        .describe(`What was said, at most ${MAX_TURN_TEXT} characters`),
      suggestion: z
        .object({
          replyId: Id.describe('The suggested reply (assist mode) this turn sends, as is or edited'),
        })
        .optional()
        .describe("A rep's turn that sends an AI suggestion: tells accepted from edited suggestions apart"),
    })
    .refine((t) => t.suggestion === undefined || t.role === 'rep', {
      message: 'only a rep turn can send a suggestion',
      path: ['suggestion'],
    }),
);
export type SubmitTurnRequest = z.infer<typeof SubmitTurnRequest>;

export const FeedbackRequest = named(
  'FeedbackRequest',
  z
    .object({
      thumbs: z.enum(['up', 'down']).optional(),
      rating: z.int().min(1).max(5).optional(),
      comment: z.string().max(2000).optional(),
    })
    .refine((f) => f.thumbs !== undefined || f.rating !== undefined || f.comment !== undefined, {
      message: 'at least one of thumbs, rating, comment is required',
    }),
);
export type FeedbackRequest = z.infer<typeof FeedbackRequest>;

export const CreateTenantRequest = named('CreateTenantRequest', z.object({ name: TenantName }));
export const CreateApiKeyRequest = named(
  'CreateApiKeyRequest',
  // A missing body means "all defaults".
  z.preprocess((body) => body ?? {}, z.object({ name: ApiKeyName.default('default') })),
);

/** `?wait=<seconds>` on turn submission. */
export const WaitQuery = z.object({
  wait: z.coerce.number().int().min(0).max(30).optional(),
});
export type WaitQuery = z.infer<typeof WaitQuery>;

/** `Idempotency-Key` header: printable ASCII, as in the IETF draft and Stripe's API. */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const UuidParam = Id;

// ---- responses ----

export const ConversationLinks = z.object({ self: z.string(), turns: z.string(), events: z.string() });

export const Conversation = named(
  'Conversation',
  z.object({
    id: Id,
    mode: ConversationMode,
    prospect: ProspectRef,
    repId: z.string().optional(),
    title: z.string().optional(),
    createdAt: IsoTime,
    links: ConversationLinks,
  }),
);
export type Conversation = z.infer<typeof Conversation>;

export const ReplySummary = named(
  'ReplySummary',
  z.object({
    replyId: Id,
    kind: z.enum(['reply', 'suggestion']),
    text: z.string(),
    citations: z.array(Citation),
    model: ModelInfo,
    generatedAt: IsoTime,
  }),
);
export type ReplySummary = z.infer<typeof ReplySummary>;

export const AnalysisSummary = named(
  'AnalysisSummary',
  z.object({ analysis: Analysis, model: ModelInfo, completedAt: IsoTime }),
);
export type AnalysisSummary = z.infer<typeof AnalysisSummary>;

export const TurnResult = named(
  'TurnResult',
  z.object({
    turnId: Id,
    conversationId: Id,
    sequence: z.int().positive(),
    status: z
      .enum(['accepted', 'completed', 'failed'])
      .describe(
        'accepted: durable, being processed (202); completed/failed: the outcome arrived within ?wait (200)',
      ),
    reply: ReplySummary.optional(),
    analysis: AnalysisSummary.optional(),
    failure: z.object({ code: z.string(), message: z.string() }).optional(),
    links: z.object({ conversation: z.string(), events: z.string(), feedback: z.string() }),
  }),
);
export type TurnResult = z.infer<typeof TurnResult>;

export const FeedbackAccepted = named(
  'FeedbackAccepted',
  z.object({ feedbackId: Id, turnId: Id, conversationId: Id, status: z.literal('accepted') }),
);
export type FeedbackAccepted = z.infer<typeof FeedbackAccepted>;

export const ConversationFeedbackAccepted = named(
  'ConversationFeedbackAccepted',
  z.object({ feedbackId: Id, conversationId: Id, status: z.literal('accepted') }),
);
export type ConversationFeedbackAccepted = z.infer<typeof ConversationFeedbackAccepted>;

/** Served as persistence's read API returns it (validated by its client with the same schema). */
export const ConversationRecord = named('ConversationRecord', ConversationView);

export const ServerSentEvent = named(
  'ConversationEvent',
  z
    .object({
      type: z.string().describe('CloudEvents type, e.g. io.salesagent.reply.generated.v1'),
      id: z.string().describe('CloudEvents id (also the SSE id)'),
      time: IsoTime,
      data: z.record(z.string(), z.unknown()).describe('The event data, as in the AsyncAPI document'),
    })
    .describe(
      'The data of one Server-Sent Event; the SSE `event` field is the short type, e.g. reply.generated',
    ),
);

/** A tenant's retention period in days (1..3650); null: conversations are kept until deleted. */
export const RetentionDays = z
  .int()
  .min(1)
  .max(3650)
  .nullable()
  .describe(
    'Conversations whose last activity is older than this many days are deleted; null: kept until deleted',
  );

export const TenantView = named(
  'Tenant',
  z.object({ id: Id, name: z.string(), createdAt: IsoTime, retentionDays: RetentionDays }),
);
export type TenantView = z.infer<typeof TenantView>;

export const UpdateTenantRequest = named(
  'UpdateTenantRequest',
  z.strictObject({ retentionDays: RetentionDays }),
);
export type UpdateTenantRequest = z.infer<typeof UpdateTenantRequest>;

export const ConversationDeletionResult = named(
  'ConversationDeletion',
  z
    .object({
      conversationId: Id,
      status: z.literal('deleted'),
      reason: ConversationDeletionReason,
      deletedAt: IsoTime,
    })
    .describe(
      'The conversation is deleted in the gateway and `conversation.deleted` is durable; every service ' +
        'removes its data of it asynchronously (seconds). Deleting again answers the same.',
    ),
);
export type ConversationDeletionResult = z.infer<typeof ConversationDeletionResult>;

export const CreatedApiKeyView = named(
  'CreatedApiKey',
  z.object({
    id: Id,
    tenantId: Id,
    name: z.string(),
    prefix: z.string().describe('The first characters of the key, to recognise it later'),
    key: z.string().describe('The key itself. Shown once: only its hash is stored'),
    createdAt: IsoTime,
  }),
);
