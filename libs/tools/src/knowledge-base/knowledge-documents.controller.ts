import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Res,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { z } from 'zod';
import { ConversationDeletedError } from '../deletion/deleted-conversations';
import { DOCUMENT_ID_PATTERN } from './document-id';
import { DocumentFormatError, KNOWLEDGE_CONTENT_TYPES } from './document-parser';
import { KnowledgeIngestion, type IngestionOutcome } from './knowledge-ingestion';

/** Internal: the gateway proxies it on the service network (the tenant comes from the caller's API key). */
export const KNOWLEDGE_DOCUMENTS_PATH = 'internal/v1/tenants/:tenantId/knowledge/documents';

/** Largest JSON body: a PDF of ~15 MB, base64-encoded. */
export const KNOWLEDGE_MAX_BODY_BYTES = 21 * 1024 * 1024;

const TenantId = z.string().min(1).max(128);
const DocumentId = z.string().regex(DOCUMENT_ID_PATTERN, 'letters, digits, _ . / - (at most 300)');

export const IngestDocumentBody = z.strictObject({
  documentId: DocumentId.optional().describe(
    'Default: derived from `source` (path, or host + path of a URL)',
  ),
  title: z.string().trim().min(1).max(500),
  source: z.string().trim().min(1).max(2000).describe('URL or path shown in citations'),
  contentType: z.enum(KNOWLEDGE_CONTENT_TYPES),
  content: z
    .string()
    .min(1)
    .max(KNOWLEDGE_MAX_BODY_BYTES)
    .describe('The document; base64 for application/pdf'),
  conversationId: z
    .uuid()
    .optional()
    .describe('The conversation it was shared in (e.g. a file from the prospect): deleted with it'),
});
export type IngestDocumentBody = z.infer<typeof IngestDocumentBody>;

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new BadRequestException({ title: 'Bad Request', status: 400, detail });
}

interface StatusSettable {
  status(code: number): unknown;
}

/** Ingestion and removal of a tenant's knowledge-base documents. */
@Controller(KNOWLEDGE_DOCUMENTS_PATH)
export class KnowledgeDocumentsController {
  constructor(private readonly ingestion: KnowledgeIngestion) {}

  /** 201 when added, 200 when updated or unchanged (same checksum: nothing was done). */
  @Post()
  async ingest(
    @Param('tenantId') tenantId: unknown,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: StatusSettable,
  ): Promise<IngestionOutcome> {
    const tenant = parse(TenantId, tenantId);
    const input = parse(IngestDocumentBody, body);
    if (input.contentType === 'application/pdf' && !/^[A-Za-z0-9+/=\s]+$/.test(input.content)) {
      throw new BadRequestException({ title: 'Bad Request', status: 400, detail: 'content: not base64' });
    }
    let outcome: IngestionOutcome;
    try {
      outcome = await this.ingestion.ingest(tenant, input);
    } catch (error) {
      if (error instanceof ConversationDeletedError) {
        throw new ConflictException({ title: 'Conflict', status: 409, detail: error.message });
      }
      if (error instanceof DocumentFormatError) {
        throw new UnprocessableEntityException({
          title: 'Unprocessable Entity',
          status: 422,
          detail: error.message,
        });
      }
      throw error;
    }
    response.status(outcome.status === 'added' ? 201 : 200);
    return outcome;
  }

  @Delete(':documentId')
  @HttpCode(204)
  async remove(
    @Param('tenantId') tenantId: unknown,
    @Param('documentId') documentId: unknown,
  ): Promise<void> {
    const tenant = parse(TenantId, tenantId);
    const id = parse(DocumentId, documentId);
    if (!(await this.ingestion.remove(tenant, id))) {
      throw new NotFoundException({ title: 'Not Found', status: 404, detail: `document ${id} not found` });
    }
  }
}

/** HTTP setup of the tool-runner: a JSON body limit large enough for a base64 PDF on the ingestion API. */
export function configureToolRunnerApp(app: INestApplication): void {
  (app as NestExpressApplication).useBodyParser('json', { limit: KNOWLEDGE_MAX_BODY_BYTES });
}
