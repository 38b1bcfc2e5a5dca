import { z } from 'zod';
import { IngestDocumentBody } from '@lib/tools';
import { apiSchemas } from '../http/api-schemas';

/** The public body is the tool-runner's ingestion body (one schema for both). */
export const KnowledgeDocumentRequest = IngestDocumentBody;
export type KnowledgeDocumentRequest = z.infer<typeof KnowledgeDocumentRequest>;

export const KnowledgeDocumentResult = z.object({
  documentId: z.string(),
  status: z.enum(['added', 'updated', 'unchanged']),
  chunks: z.int().nonnegative().describe('Chunks written (0 when the document was unchanged)'),
  faqs: z.int().nonnegative().describe('Question/answer pairs found (FAQ-style pages)'),
});
export type KnowledgeDocumentResult = z.infer<typeof KnowledgeDocumentResult>;

apiSchemas.add(KnowledgeDocumentRequest, { id: 'KnowledgeDocumentRequest' });
apiSchemas.add(KnowledgeDocumentResult, { id: 'KnowledgeDocumentResult' });
