import type { ServerResponse } from 'node:http';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  HttpCode,
  Inject,
  Logger,
  NotFoundException,
  Param,
  Post,
  Res,
  ServiceUnavailableException,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentTenant, type AuthenticatedTenant } from '@lib/access';
import { DOCUMENT_ID_PATTERN } from '@lib/tools';
import { z } from 'zod';
import { ConversationsService } from '../conversations/conversations.service';
import { ApiJsonResponse, ApiProblemResponses, schemaRef } from '../http/openapi-decorators';
import { ConversationDeletedException } from '../http/problem';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { KnowledgeDocumentsClient, KnowledgeDocumentsClientError } from './knowledge-documents.client';
import { KnowledgeDocumentRequest, type KnowledgeDocumentResult } from './knowledge-documents.schemas';

const DocumentIdParam = z.string().regex(DOCUMENT_ID_PATTERN, 'letters, digits, _ . / - (at most 300)');

/**
 * The tenant's knowledge base: add or replace a document (Markdown, HTML, plain text; PDF as base64), remove
 * one. Ingestion runs in the tool-runner (it owns the knowledge base); the tenant comes from the API key.
 * Bodies are capped like every gateway body (64 KB): larger documents go through `npm run kb -- ingest`.
 */
@ApiTags('knowledge')
@ApiBearerAuth('apiKey')
@ApiProblemResponses(401, 500, 503)
@UseGuards(ApiKeyGuard)
@Controller('v1/knowledge/documents')
export class KnowledgeDocumentsController {
  private readonly logger = new Logger(KnowledgeDocumentsController.name);

  constructor(
    @Inject(KnowledgeDocumentsClient) private readonly client: KnowledgeDocumentsClient,
    private readonly conversations: ConversationsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Add or replace a knowledge-base document (201 added, 200 updated or unchanged)',
    description:
      'Re-sending an unchanged document does nothing; a changed one replaces its passages. With ' +
      '`conversationId` (a file shared in one of your conversations: 404 if it is not yours, 410 if deleted) ' +
      'the document is deleted with that conversation.',
  })
  @ApiBody({ schema: schemaRef('KnowledgeDocumentRequest') })
  @ApiJsonResponse(201, 'Added', 'KnowledgeDocumentResult')
  @ApiJsonResponse(200, 'Updated, or unchanged', 'KnowledgeDocumentResult')
  @ApiProblemResponses(400, 404, 410, 413, 415, 422)
  async ingest(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Body(new ZodValidationPipe(KnowledgeDocumentRequest)) body: KnowledgeDocumentRequest,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const { conversationId } = body;
    if (conversationId) await this.conversations.requireOwned(tenant, conversationId);
    const { created, result } = await this.call(() => this.client.ingest(tenant.id, body), body);
    sendJson(response, created ? 201 : 200, result);
  }

  @Delete(':documentId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a document and its passages (URL-encode ids that contain "/")' })
  @ApiParam({ name: 'documentId' })
  @ApiProblemResponses(400, 404)
  async remove(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('documentId', new ZodValidationPipe(DocumentIdParam, 'documentId')) documentId: string,
  ): Promise<void> {
    const removed = await this.call(() => this.client.remove(tenant.id, documentId));
    if (!removed) throw new NotFoundException(`knowledge document ${documentId} not found`);
  }

  private async call<T>(work: () => Promise<T>, body?: KnowledgeDocumentRequest): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof KnowledgeDocumentsClientError && error.status === 400) {
        throw new BadRequestException(error.detail ?? 'invalid document');
      }
      // The tool-runner already heard of the deletion of the document's conversation.
      if (error instanceof KnowledgeDocumentsClientError && error.status === 409) {
        throw new ConversationDeletedException(body?.conversationId ?? '');
      }
      if (error instanceof KnowledgeDocumentsClientError && error.status === 422) {
        throw new UnprocessableEntityException(error.detail ?? 'the document could not be read');
      }
      this.logger.error(`knowledge API failed: ${String(error)}`);
      throw new ServiceUnavailableException('the knowledge base is unavailable, retry shortly');
    }
  }
}

function sendJson(response: ServerResponse, status: number, body: KnowledgeDocumentResult): void {
  const json = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(json));
  response.end(json);
}
