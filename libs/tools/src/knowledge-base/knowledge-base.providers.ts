import type { Provider } from '@nestjs/common';
import { UnitOfWork } from '@lib/database';
import {
  Bm25SparseEncoder,
  createEmbeddingProvider,
  createVectorStore,
  loadRetrievalConfig,
  type EmbeddingProvider,
  type RetrievalConfig,
  type SparseEncoder,
  type VectorStore,
} from '@lib/retrieval';
import { ToolRunnerDeletedConversations } from '../deletion/deleted-conversations';
import { FaqLookup } from '../faq/faq-lookup';
import { KnowledgeCatalog, PostgresKnowledgeCatalog } from './knowledge-catalog';
import { KnowledgeIngestion } from './knowledge-ingestion';
import { KnowledgeRetriever } from './knowledge-retriever';
import type { ToolRunnerConfig } from '../config';

export const RETRIEVAL_CONFIG = Symbol('RETRIEVAL_CONFIG');
export const EMBEDDING_PROVIDER = Symbol('EMBEDDING_PROVIDER');
export const SPARSE_ENCODER = Symbol('SPARSE_ENCODER');
export const VECTOR_STORE = Symbol('VECTOR_STORE');

/**
 * The knowledge base's providers (ingestion, hybrid retrieval, FAQ): embedding provider and vector store
 * from the retrieval settings (EMBEDDINGS_*, QDRANT_*), the catalog in the tool-runner's schema.
 * `toolRunnerConfig` is the token of the tool-runner's own config (KNOWLEDGE_FAQ_THRESHOLD).
 */
export function knowledgeBaseProviders(toolRunnerConfig: symbol): Provider[] {
  return [
    { provide: RETRIEVAL_CONFIG, useFactory: (): RetrievalConfig => loadRetrievalConfig() },
    {
      provide: EMBEDDING_PROVIDER,
      inject: [RETRIEVAL_CONFIG],
      useFactory: (config: RetrievalConfig): EmbeddingProvider => createEmbeddingProvider(config),
    },
    { provide: SPARSE_ENCODER, useFactory: (): SparseEncoder => new Bm25SparseEncoder() },
    {
      provide: VECTOR_STORE,
      inject: [RETRIEVAL_CONFIG, UnitOfWork],
      useFactory: (config: RetrievalConfig, unitOfWork: UnitOfWork): VectorStore =>
        createVectorStore(config, { unitOfWork }),
    },
    { provide: KnowledgeCatalog, useClass: PostgresKnowledgeCatalog },
    ToolRunnerDeletedConversations,
    {
      provide: KnowledgeIngestion,
      inject: [
        KnowledgeCatalog,
        VECTOR_STORE,
        EMBEDDING_PROVIDER,
        SPARSE_ENCODER,
        RETRIEVAL_CONFIG,
        ToolRunnerDeletedConversations,
      ],
      useFactory: (
        catalog: KnowledgeCatalog,
        store: VectorStore,
        embeddings: EmbeddingProvider,
        sparse: SparseEncoder,
        config: RetrievalConfig,
        deleted: ToolRunnerDeletedConversations,
      ) =>
        new KnowledgeIngestion(catalog, store, embeddings, sparse, {
          batchSize: config.EMBEDDINGS_BATCH_SIZE,
          conversationGuard: (_tenantId, conversationId) => deleted.guard(conversationId),
        }),
    },
    {
      provide: KnowledgeRetriever,
      inject: [VECTOR_STORE, EMBEDDING_PROVIDER, SPARSE_ENCODER],
      useFactory: (store: VectorStore, embeddings: EmbeddingProvider, sparse: SparseEncoder) =>
        new KnowledgeRetriever(store, embeddings, sparse),
    },
    {
      provide: FaqLookup,
      inject: [KnowledgeCatalog, toolRunnerConfig],
      useFactory: (catalog: KnowledgeCatalog, config: ToolRunnerConfig) =>
        new FaqLookup(catalog, config.KNOWLEDGE_FAQ_THRESHOLD),
    },
  ];
}
