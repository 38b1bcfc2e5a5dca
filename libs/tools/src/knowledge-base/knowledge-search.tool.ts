import { implementTool, type Tool } from '../registry/tool';
import type { KnowledgeRetriever } from './knowledge-retriever';
import { KnowledgeSearchSpec } from './knowledge-search.schema';

/** Hybrid retrieval over the calling tenant's knowledge base (the tenant comes from the tool context). */
export function knowledgeSearchTool(retriever: KnowledgeRetriever): Tool {
  return implementTool(KnowledgeSearchSpec, async ({ query, limit }, context) => ({
    passages: await retriever.search(context.tenantId, query, limit),
  }));
}
