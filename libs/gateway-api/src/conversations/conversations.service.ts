import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  type HttpException,
} from '@nestjs/common';
import {
  endWith,
  filter,
  ignoreElements,
  interval,
  map,
  merge,
  share,
  takeUntil,
  type Observable,
} from 'rxjs';
import type { MessageEvent } from '@nestjs/common';
import {
  ConversationFeedbackSubmitted,
  ConversationStarted,
  deriveId,
  EventDecodeError,
  FeedbackSubmitted,
  newId,
  TurnReceived,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
} from '@lib/contracts';
import type { AuthenticatedTenant } from '@lib/access';
import { ConversationRecordClient, type ConversationView } from '@lib/conversation-record';
import { UnitOfWork } from '@lib/database';
import { EventPublisher, type PublishOptions } from '@lib/messaging';
import { recordTurnLatency } from '@lib/telemetry';
import { ConversationEventHub, shortEventType, type TurnOutcome } from '../events/conversation-event-hub';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import type {
  Conversation,
  ConversationFeedbackAccepted,
  CreateConversationRequest,
  FeedbackAccepted,
  FeedbackRequest,
  SubmitTurnRequest,
  TurnResult,
} from '../http/api-schemas';
import { DeletedConversationsRepository } from '../deletion/deleted-conversations.repository';
import { ConversationDeletedException, PublishFailedError } from '../http/problem';
import { ConversationRepository, type AcceptedTurn, type OwnedConversation } from './conversation.repository';

export interface SubmitTurnCommand {
  readonly tenant: AuthenticatedTenant;
  readonly conversationId: string;
  readonly turn: SubmitTurnRequest;
  readonly idempotencyKey?: string;
  /** Seconds to wait for the reply; 0 answers as soon as the turn is durable. */
  readonly waitSeconds: number;
}

export interface SubmitFeedbackCommand {
  readonly tenant: AuthenticatedTenant;
  readonly turnId: string;
  readonly feedback: FeedbackRequest;
  readonly idempotencyKey?: string;
}

export interface SubmitConversationFeedbackCommand {
  readonly tenant: AuthenticatedTenant;
  readonly conversationId: string;
  readonly feedback: FeedbackRequest;
  readonly idempotencyKey?: string;
}

const conversationPath = (id: string): string => `/v1/conversations/${id}`;

/** The gateway's use cases: start conversations, accept turns and feedback, read and stream conversations. */
@Injectable()
export class ConversationsService {
  private readonly logger = new Logger(ConversationsService.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly conversations: ConversationRepository,
    private readonly publisher: EventPublisher,
    private readonly hub: ConversationEventHub,
    private readonly record: ConversationRecordClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly deleted: DeletedConversationsRepository,
  ) {}

  /**
   * Stores the conversation's ownership and its `conversation.started` in one transaction (outbox): the
   * event is durable as soon as we answer 201 and is sent by the relay right after commit. Nothing waits
   * on it, unlike a turn, so the transport's acknowledgement need not be in the request path.
   */
  async start(tenant: AuthenticatedTenant, request: CreateConversationRequest): Promise<Conversation> {
    const id = newId();
    const createdAt = new Date().toISOString();
    await this.uow.run(async () => {
      await this.conversations.insert({
        id,
        tenantId: tenant.id,
        mode: request.mode,
        prospect: request.prospect,
        createdAt,
      });
      await this.publisher.publish(
        ConversationStarted,
        { conversationId: id, ...request, startedAt: createdAt },
        { tenantId: tenant.id, id: deriveId(ConversationStarted.type, id), correlationId: id },
      );
    });
    this.logger.log(`conversation ${id} started (${request.mode})`);
    return {
      id,
      mode: request.mode,
      prospect: request.prospect,
      repId: request.repId,
      title: request.title,
      createdAt,
      links: {
        self: conversationPath(id),
        turns: `${conversationPath(id)}/turns`,
        events: `${conversationPath(id)}/events`,
      },
    };
  }

  /**
   * Accepts a turn: assigns its id (derived from the Idempotency-Key when there is one), stores it and
   * publishes `turn.received` directly, committing only once the transport acknowledged it. A retry with
   * the same key returns the same turn without a second one. With `waitSeconds`, also waits for the reply.
   */
  async submitTurn(command: SubmitTurnCommand): Promise<TurnResult> {
    const started = performance.now();
    const { tenant, conversationId, idempotencyKey } = command;
    const turnId = idempotencyKey ? deriveId(tenant.id, conversationId, idempotencyKey) : newId();
    const waitSeconds = Math.min(command.waitSeconds, this.config.MAX_WAIT_SECONDS);
    // Registered before the publish: the reply can come back before publish() even returns.
    const waiter =
      waitSeconds > 0 ? this.hub.waitForOutcome(conversationId, turnId, waitSeconds * 1000) : undefined;
    try {
      const appended = await this.conversations.appendTurn(
        tenant.id,
        conversationId,
        { id: turnId, idempotencyKey },
        (turn, conversation) => this.publishTurn(tenant, turn, conversation, command.turn),
      );
      if (appended.kind === 'not_found') throw await this.missing(tenant.id, conversationId);
      const accepted = this.turnResult(appended.turn);
      if (appended.kind === 'duplicate') this.logger.log(`turn ${turnId} replayed (same Idempotency-Key)`);
      // The gateway stage of the turn: from the request to the turn stored and acknowledged by the transport.
      else recordTurnLatency({ stages: { gateway: performance.now() - started } });
      const outcome = waiter ? await waiter.result : undefined;
      return outcome ? withOutcome(accepted, outcome) : accepted;
    } finally {
      waiter?.cancel();
    }
  }

  /** The conversation as recorded by persistence; before persistence has it, what the gateway knows. */
  async getConversation(tenant: AuthenticatedTenant, conversationId: string): Promise<ConversationView> {
    const owned = await this.requireOwned(tenant, conversationId);
    let view: ConversationView | undefined;
    try {
      view = await this.record.getConversation(tenant.id, conversationId);
    } catch (error) {
      this.logger.warn(
        `conversation record unavailable: ${error instanceof Error ? error.message : String(error)}`,
      );
      throw new ServiceUnavailableException('the conversation record is unavailable, retry shortly');
    }
    return view ?? pendingView(owned);
  }

  /**
   * The conversation's events from now on, as SSE messages, with a keep-alive comment. With `lastEventId`
   * (a reconnecting client's `Last-Event-ID`), first the events this instance relayed after it, or a
   * `stream.reset` message when it no longer has them (the client reloads the conversation).
   */
  async streamEvents(
    tenant: AuthenticatedTenant,
    conversationId: string,
    lastEventId?: string,
  ): Promise<Observable<MessageEvent>> {
    await this.requireOwned(tenant, conversationId);
    const events = this.hub.eventsSince(conversationId, lastEventId).pipe(
      filter((event) => event === undefined || event.tenantid === tenant.id),
      map((event) => (event === undefined ? streamReset(lastEventId) : toServerSentEvent(event))),
      share(),
    );
    // The stream ends when the hub completes it (the conversation was deleted, or shutdown).
    const keepAlive = interval(this.config.SSE_HEARTBEAT_SECONDS * 1000).pipe(
      map((): MessageEvent => ({ comment: 'keep-alive' })),
      takeUntil(events.pipe(ignoreElements(), endWith(true))),
    );
    return merge(events, keepAlive);
  }

  /** Publishes the feedback on a turn of the tenant's (directly: 202 means the transport has it). */
  async submitFeedback(command: SubmitFeedbackCommand): Promise<FeedbackAccepted> {
    const { tenant, turnId, feedback, idempotencyKey } = command;
    const turn = await this.conversations.findOwnedTurn(tenant.id, turnId);
    if (!turn) throw new NotFoundException(`turn ${turnId} not found`);
    const feedbackId = idempotencyKey ? deriveId(tenant.id, turnId, 'feedback', idempotencyKey) : newId();
    await this.publishDirect(
      FeedbackSubmitted,
      {
        feedbackId,
        conversationId: turn.conversationId,
        turnId,
        ...feedback,
        submittedAt: new Date().toISOString(),
      },
      { tenantId: tenant.id, id: deriveId(FeedbackSubmitted.type, feedbackId), correlationId: turnId },
    );
    return { feedbackId, turnId, conversationId: turn.conversationId, status: 'accepted' };
  }

  /**
   * Publishes feedback on a whole conversation of the tenant (`conversation.feedback.submitted`, directly:
   * 202 means the transport has it). 404 for none (or another tenant's), 410 when it was deleted. The same
   * Idempotency-Key gives the same feedback id (and event id), which consumers deduplicate.
   */
  async submitConversationFeedback(
    command: SubmitConversationFeedbackCommand,
  ): Promise<ConversationFeedbackAccepted> {
    const { tenant, conversationId, feedback, idempotencyKey } = command;
    await this.requireOwned(tenant, conversationId);
    const feedbackId = idempotencyKey
      ? deriveId(tenant.id, conversationId, 'conversation-feedback', idempotencyKey)
      : newId();
    await this.publishDirect(
      ConversationFeedbackSubmitted,
      { feedbackId, conversationId, ...feedback, submittedAt: new Date().toISOString() },
      {
        tenantId: tenant.id,
        id: deriveId(ConversationFeedbackSubmitted.type, feedbackId),
        correlationId: conversationId,
      },
    );
    return { feedbackId, conversationId, status: 'accepted' };
  }

  private async publishTurn(
    tenant: AuthenticatedTenant,
    turn: AcceptedTurn,
    conversation: OwnedConversation,
    request: SubmitTurnRequest,
  ): Promise<void> {
    await this.publishDirect(
      TurnReceived,
      {
        conversationId: turn.conversationId,
        turnId: turn.id,
        sequence: turn.sequence,
        role: request.role,
        text: request.text,
        conversation: { mode: conversation.mode, prospect: conversation.prospect },
        ...(request.suggestion ? { suggestion: { replyId: request.suggestion.replyId } } : {}),
        receivedAt: turn.createdAt,
      },
      // Deterministic event id: a retry after a lost answer re-publishes the same event, which consumers dedupe.
      { tenantId: tenant.id, id: deriveId(TurnReceived.type, turn.id), correlationId: turn.id },
    );
  }

  private async publishDirect<D extends EventDefinition>(
    definition: D,
    data: EventData<D>,
    options: PublishOptions,
  ): Promise<void> {
    try {
      await this.publisher.publish(definition, data, options);
    } catch (error) {
      // An invalid event is our bug (500); anything else is the transport: 503, the client retries.
      if (error instanceof EventDecodeError) throw error;
      throw new PublishFailedError(error);
    }
  }

  /** The tenant's conversation; 410 when it was deleted, 404 when the tenant has none (or another's). */
  async requireOwned(tenant: AuthenticatedTenant, conversationId: string): Promise<OwnedConversation> {
    const owned = await this.conversations.findOwned(tenant.id, conversationId);
    if (!owned) throw await this.missing(tenant.id, conversationId);
    return owned;
  }

  private async missing(tenantId: string, conversationId: string): Promise<HttpException> {
    const tombstone = await this.deleted.find(tenantId, conversationId);
    return tombstone
      ? new ConversationDeletedException(conversationId, tombstone.deletedAt)
      : this.conversationNotFound(conversationId);
  }

  private conversationNotFound(conversationId: string): NotFoundException {
    return new NotFoundException(`conversation ${conversationId} not found`);
  }

  private turnResult(turn: AcceptedTurn): TurnResult {
    return {
      turnId: turn.id,
      conversationId: turn.conversationId,
      sequence: turn.sequence,
      status: 'accepted',
      links: {
        conversation: conversationPath(turn.conversationId),
        events: `${conversationPath(turn.conversationId)}/events`,
        feedback: `/v1/turns/${turn.id}/feedback`,
      },
    };
  }
}

function withOutcome(accepted: TurnResult, outcome: TurnOutcome): TurnResult {
  const { analysis, reply, failure } = outcome;
  return {
    ...accepted,
    status: outcome.status,
    analysis: analysis && {
      analysis: analysis.analysis,
      model: analysis.model,
      completedAt: analysis.completedAt,
    },
    reply: reply && {
      replyId: reply.replyId,
      kind: reply.kind,
      text: reply.text,
      citations: reply.citations,
      model: reply.model,
      generatedAt: reply.generatedAt,
    },
    failure,
  };
}

/**
 * The SSE message that tells a reconnecting client the events after its `Last-Event-ID` are gone (older than
 * this instance keeps, or relayed by another instance): reload the conversation (`GET
 * /v1/conversations/{id}`), then go on with the stream. Its `id` is the client's own last event id (without
 * one, Nest would number it), so the client's position does not change.
 */
export function streamReset(lastEventId: string | undefined): MessageEvent {
  return {
    ...(lastEventId === undefined ? {} : { id: lastEventId }),
    type: 'stream.reset',
    data: {
      reason: 'events_unavailable',
      lastEventId,
      detail: 'the events after Last-Event-ID are no longer available: reload the conversation',
    },
  };
}

/** SSE message of an event: id = CloudEvents id, event = short type, data = {type, id, time, data}. */
export function toServerSentEvent(event: EventEnvelope<unknown>): MessageEvent {
  return {
    id: event.id,
    type: shortEventType(event.type),
    data: { type: event.type, id: event.id, time: event.time, data: event.data },
  };
}

/** The record of a conversation persistence has not stored yet (its events are still on their way). */
function pendingView(owned: OwnedConversation): ConversationView {
  return {
    conversation: {
      id: owned.id,
      tenantId: owned.tenantId,
      status: 'pending',
      mode: owned.mode,
      prospect: owned.prospect,
      repId: null,
      title: null,
      stage: null,
      startedAt: owned.createdAt,
      updatedAt: owned.createdAt,
      turnCount: 0,
    },
    turns: [],
    alerts: [],
  };
}
