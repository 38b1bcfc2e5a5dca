import type { ServerResponse } from 'node:http';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  Sse,
  UseGuards,
  type MessageEvent,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import type { ConversationView } from '@lib/conversation-record';
import { ApiKeyGuard, CurrentTenant, type AuthenticatedTenant } from '@lib/access';
import {
  CreateConversationRequest,
  FeedbackRequest,
  IdempotencyKey,
  SubmitTurnRequest,
  UuidParam,
  WaitQuery,
  type Conversation,
  type ConversationDeletionResult,
  type ConversationFeedbackAccepted,
  type FeedbackAccepted,
} from '../http/api-schemas';
import { ConversationDeletion } from '../deletion/conversation-deletion.service';
import { ApiJsonResponse, ApiProblemResponses, schemaRef } from '../http/openapi-decorators';
import { parseOrThrow } from '../http/problem';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { ConversationsService } from './conversations.service';

const IDEMPOTENCY_HEADER = 'Idempotency-Key';

const idempotencyKeyOf = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : parseOrThrow(IdempotencyKey, value, IDEMPOTENCY_HEADER);

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(json));
  response.end(json);
}

/** The public API for UI clients. Maps HTTP to commands; the behaviour is in ConversationsService. */
@ApiTags('conversations')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(401, 500)
@UseGuards(ApiKeyGuard)
@Controller('v1')
export class ConversationsController {
  constructor(
    private readonly service: ConversationsService,
    private readonly deletion: ConversationDeletion,
  ) {}

  @Post('conversations')
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a conversation with a prospect' })
  @ApiBody({ schema: schemaRef('CreateConversationRequest') })
  @ApiJsonResponse(201, 'The conversation', 'Conversation')
  @ApiProblemResponses(400, 413, 415)
  create(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Body(new ZodValidationPipe(CreateConversationRequest)) body: CreateConversationRequest,
  ): Promise<Conversation> {
    return this.service.start(tenant, body);
  }

  @Post('conversations/:id/turns')
  @ApiOperation({
    summary: 'Submit a turn',
    description:
      'Answers 202 once the turn is durable (acknowledged by the event transport). With ?wait=<seconds>, ' +
      'answers 200 with the reply (or the failure) when it is ready in time, else 202. The same ' +
      'Idempotency-Key again returns the same turn without creating a second one. 503: nothing was ' +
      'accepted, retry with the same key.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    description: 'Makes retries safe: same key, same turn',
  })
  @ApiQuery({ name: 'wait', required: false, schema: { type: 'integer', minimum: 0, maximum: 30 } })
  @ApiBody({ schema: schemaRef('SubmitTurnRequest') })
  @ApiJsonResponse(202, 'Accepted: the turn is durable and being processed', 'TurnResult')
  @ApiJsonResponse(200, 'Completed or failed within ?wait', 'TurnResult')
  @ApiProblemResponses(400, 404, 410, 413, 415, 503)
  async submitTurn(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) conversationId: string,
    @Body(new ZodValidationPipe(SubmitTurnRequest)) body: SubmitTurnRequest,
    @Query(new ZodValidationPipe(WaitQuery, 'query')) query: WaitQuery,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const result = await this.service.submitTurn({
      tenant,
      conversationId,
      turn: body,
      idempotencyKey: idempotencyKeyOf(idempotencyKey),
      waitSeconds: query.wait ?? 0,
    });
    sendJson(response, result.status === 'accepted' ? 202 : 200, result);
  }

  @Get('conversations/:id')
  @ApiOperation({ summary: 'The conversation: turns, analyses, replies, evaluations, feedback' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, 'The conversation record', 'ConversationRecord')
  @ApiProblemResponses(400, 404, 410, 503)
  get(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) conversationId: string,
  ): Promise<ConversationView> {
    return this.service.getConversation(tenant, conversationId);
  }

  @Sse('conversations/:id/events')
  @ApiOperation({
    summary: "Stream the conversation's events (Server-Sent Events)",
    description:
      'Each message: `id` = CloudEvents id, `event` = short type (e.g. analysis.completed, reply.generated), ' +
      '`data` = JSON {type, id, time, data}. A keep-alive comment is sent periodically. A client that ' +
      'reconnects with `Last-Event-ID` first gets the events it missed (reply.delta aside: reply.generated ' +
      'has the whole text); when they are no longer available (too old, or another gateway instance), a ' +
      '`stream.reset` message says to reload the conversation.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received, when reconnecting (browsers send it themselves)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiProduces('text/event-stream')
  @ApiJsonResponse(200, 'A stream of events; each data field is a ConversationEvent', 'ConversationEvent')
  @ApiProblemResponses(400, 404, 410)
  events(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) conversationId: string,
    @Headers('last-event-id') lastEventId: string | undefined,
  ): Promise<Observable<MessageEvent>> {
    // An id longer than any CloudEvents id we emit cannot match: treated as unknown (stream.reset).
    const last = lastEventId?.trim();
    return this.service.streamEvents(tenant, conversationId, last ? last.slice(0, 256) : undefined);
  }

  @Delete('conversations/:id')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Delete a conversation, everywhere it is stored',
    description:
      'Answers 202 once the deletion is durable: the gateway has forgotten the conversation and ' +
      '`conversation.deleted` is in its outbox. Every service then removes what it stores of it (records, ' +
      'tool executions, CRM proposals not decided yet, documents shared in it with their vectors, ' +
      'evaluations; a tombstone on the compacted state topic), within seconds. From now on the ' +
      'conversation answers 410 (problem type urn:sales-agent:problem:conversation-deleted), open event ' +
      'streams end, new turns are refused. Deleting it again answers 202 with the same body and publishes ' +
      "nothing. Another tenant's conversation: 404.",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(202, 'Deleted (the other services follow asynchronously)', 'ConversationDeletion')
  @ApiProblemResponses(400, 404)
  async delete(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) conversationId: string,
  ): Promise<ConversationDeletionResult> {
    const outcome = await this.deletion.delete({
      tenantId: tenant.id,
      conversationId,
      reason: 'request',
      requestedBy: `api-key:${tenant.apiKeyId}`,
    });
    if (outcome.kind === 'not_found') throw new NotFoundException(`conversation ${conversationId} not found`);
    const { reason, deletedAt } = outcome.tombstone;
    return { conversationId, status: 'deleted', reason, deletedAt };
  }

  @Post('conversations/:id/feedback')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rate a whole conversation',
    description:
      'Publishes `conversation.feedback.submitted`. Counted in the prompt-version comparison for every ' +
      'prompt version that replied in the conversation. The same Idempotency-Key gives the same feedback.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({ name: IDEMPOTENCY_HEADER, required: false })
  @ApiBody({ schema: schemaRef('FeedbackRequest') })
  @ApiJsonResponse(202, 'Accepted', 'ConversationFeedbackAccepted')
  @ApiProblemResponses(400, 404, 410, 413, 415, 503)
  conversationFeedback(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) conversationId: string,
    @Body(new ZodValidationPipe(FeedbackRequest)) body: FeedbackRequest,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<ConversationFeedbackAccepted> {
    return this.service.submitConversationFeedback({
      tenant,
      conversationId,
      feedback: body,
      idempotencyKey: idempotencyKeyOf(idempotencyKey),
    });
  }

  @Post('turns/:turnId/feedback')
  @HttpCode(202)
  @ApiOperation({ summary: "Rate a turn's reply" })
  @ApiParam({ name: 'turnId', format: 'uuid' })
  @ApiHeader({ name: IDEMPOTENCY_HEADER, required: false })
  @ApiBody({ schema: schemaRef('FeedbackRequest') })
  @ApiJsonResponse(202, 'Accepted', 'FeedbackAccepted')
  @ApiProblemResponses(400, 404, 413, 415, 503)
  feedback(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('turnId', new ZodValidationPipe(UuidParam, 'turnId')) turnId: string,
    @Body(new ZodValidationPipe(FeedbackRequest)) body: FeedbackRequest,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<FeedbackAccepted> {
    return this.service.submitFeedback({
      tenant,
      turnId,
      feedback: body,
      idempotencyKey: idempotencyKeyOf(idempotencyKey),
    });
  }
}
