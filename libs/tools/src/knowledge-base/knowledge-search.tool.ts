import { implementTool, type Tool } from '../registry/tool';
import type { KnowledgeBase } from './knowledge-base';
import { KnowledgeSearchSpec } from './knowledge-search.schema';

/** The shared knowledge base, ranked with BM25. Same corpus for every tenant (for now). */
export function knowledgeSearchTool(knowledgeBase: KnowledgeBase): Tool {
  return implementTool(KnowledgeSearchSpec, async ({ query, limit }) => ({
    passages: knowledgeBase.search(query, limit),
  }));
}
