import { Controller, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiKeyGuard, CurrentTenant, type AuthenticatedTenant } from '@lib/access';
import { ConversationEndReason, Id, IsoTime } from '@lib/contracts';
import { apiSchemas, UuidParam } from '../http/api-schemas';
import { ApiJsonResponse, ApiProblemResponses } from '../http/openapi-decorators';
import { ConversationDeletedException } from '../http/problem';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { ConversationEnding } from './conversation-end.service';

export const ConversationEndResult = z
  .object({
    conversationId: Id,
    status: z.literal('ended'),
    reason: ConversationEndReason,
    endedAt: IsoTime,
  })
  .describe(
    '`conversation.ended` is durable; the evaluator then evaluates the conversation (`conversation.evaluated`, ' +
      'trigger ended). Ending again answers the same and publishes nothing.',
  );
export type ConversationEndResult = z.infer<typeof ConversationEndResult>;
apiSchemas.add(ConversationEndResult, { id: 'ConversationEnd' });

/** `POST /v1/conversations/{id}/end`: the rep closes the conversation. */
@ApiTags('conversations')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(401, 500)
@UseGuards(ApiKeyGuard)
@Controller('v1')
export class ConversationEndController {
  constructor(private readonly ending: ConversationEnding) {}

  @Post('conversations/:id/end')
  @HttpCode(202)
  @ApiOperation({
    summary: 'End a conversation',
    description:
      'Answers 202 once `conversation.ended` is durable (in the outbox, sent right after commit); the ' +
      'evaluator then publishes the conversation-level evaluation (stage progress, objections raised and ' +
      'handled, rep talk ratio in assist mode, groundedness of its replies). Idempotent: ending again answers ' +
      '202 with the same body and publishes nothing. Turns sent after the end are still accepted; the ' +
      "evaluator's idle sweep evaluates them later (trigger idle). Another tenant's conversation: 404; a " +
      'deleted one: 410.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(202, 'Ended (the evaluation follows asynchronously)', 'ConversationEnd')
  @ApiProblemResponses(400, 404, 410)
  async end(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', new ZodValidationPipe(UuidParam, 'id')) conversationId: string,
  ): Promise<ConversationEndResult> {
    const outcome = await this.ending.end(tenant.id, conversationId);
    if (outcome.kind === 'not_found') throw new NotFoundException(`conversation ${conversationId} not found`);
    if (outcome.kind === 'deleted') throw new ConversationDeletedException(conversationId, outcome.deletedAt);
    return { conversationId, status: 'ended', reason: outcome.reason, endedAt: outcome.endedAt };
  }
}
