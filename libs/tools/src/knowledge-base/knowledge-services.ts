import type { UnitOfWork } from '@lib/database';
import {
  Bm25SparseEncoder,
  createEmbeddingProvider,
  createVectorStore,
  loadRetrievalConfig,
  type EmbeddingProvider,
  type RetrievalConfig,
  type VectorStore,
} from '@lib/retrieval';
import { ToolRunnerDeletedConversations } from '../deletion/deleted-conversations';
import { FaqLookup } from '../faq/faq-lookup';
import { DEFAULT_FAQ_THRESHOLD } from '../faq/faq-matching';
import { PostgresKnowledgeCatalog } from './knowledge-catalog';
import { KnowledgeIngestion } from './knowledge-ingestion';
import { KnowledgeRetriever } from './knowledge-retriever';

export interface KnowledgeServices {
  readonly ingestion: KnowledgeIngestion;
  readonly retriever: KnowledgeRetriever;
  readonly faq: FaqLookup;
  readonly store: VectorStore;
  readonly embeddings: EmbeddingProvider;
}

export interface KnowledgeServicesOptions {
  /** Default: from the environment (EMBEDDINGS_*, QDRANT_*). */
  readonly retrieval?: RetrievalConfig;
  /** Replaces the store the configuration would choose (tests). */
  readonly store?: VectorStore;
  readonly faqThreshold?: number;
}

/**
 * The knowledge base outside Nest (the `kb` and `seed-demo` commands, tests): the same classes the
 * tool-runner module wires, on the tool-runner's database (`uow`), with the same configuration.
 */
export function createKnowledgeServices(
  uow: UnitOfWork,
  options: KnowledgeServicesOptions = {},
): KnowledgeServices {
  const config = options.retrieval ?? loadRetrievalConfig();
  const embeddings = createEmbeddingProvider(config);
  const store = options.store ?? createVectorStore(config, { unitOfWork: uow });
  const sparse = new Bm25SparseEncoder();
  const catalog = new PostgresKnowledgeCatalog(uow);
  const deleted = new ToolRunnerDeletedConversations(uow);
  return {
    ingestion: new KnowledgeIngestion(catalog, store, embeddings, sparse, {
      batchSize: config.EMBEDDINGS_BATCH_SIZE,
      conversationGuard: (_tenantId, conversationId) => deleted.guard(conversationId),
    }),
    retriever: new KnowledgeRetriever(store, embeddings, sparse),
    faq: new FaqLookup(catalog, options.faqThreshold ?? DEFAULT_FAQ_THRESHOLD),
    store,
    embeddings,
  };
}
