import { BadRequestException, Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import { InvalidCursorError } from '../errors';
import { ConversationReader } from './conversation-reader.service';
import {
  ConversationListQuery,
  ConversationParams,
  TenantIdParam,
  type ConversationList,
  type ConversationView,
} from './conversation-view.schema';

/** Base path of the internal read API. Internal: reached by the gateway on the service network only. */
export const CONVERSATION_RECORD_PATH = 'internal/v1/tenants/:tenantId/conversations';

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new BadRequestException({ title: 'Bad Request', status: 400, detail });
}

/** The internal read API over the conversation record (the gateway calls it, never the tables). */
@Controller(CONVERSATION_RECORD_PATH)
export class ConversationReadController {
  constructor(private readonly reader: ConversationReader) {}

  @Get()
  async list(@Param('tenantId') tenantId: string, @Query() query: unknown): Promise<ConversationList> {
    const tenant = parse(TenantIdParam, tenantId);
    const { limit, cursor } = parse(ConversationListQuery, query);
    try {
      return await this.reader.listConversations(tenant, limit, cursor);
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new BadRequestException({ title: 'Bad Request', status: 400, detail: error.message });
      }
      throw error;
    }
  }

  @Get(':conversationId')
  async get(@Param() params: unknown): Promise<ConversationView> {
    const { tenantId, conversationId } = parse(ConversationParams, params);
    const view = await this.reader.getConversation(tenantId, conversationId);
    if (!view) {
      throw new NotFoundException({
        title: 'Not Found',
        status: 404,
        detail: `conversation ${conversationId} not found`,
      });
    }
    return view;
  }
}
