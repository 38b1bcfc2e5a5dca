import { ConfigError, describeConfig } from '@lib/config';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '@lib/database';
import { HttpEmbeddingProvider } from './embeddings/http-embedding-provider';
import { LocalHashEmbeddingProvider } from './embeddings/local-hash-embedding-provider';
import {
  createEmbeddingProvider,
  createVectorStore,
  loadRetrievalConfig,
  RetrievalConfigSchema,
} from './retrieval.config';
import { PostgresVectorStore } from './stores/postgres/postgres-vector-store';
import { QdrantVectorStore } from './stores/qdrant/qdrant-vector-store';

describe('retrieval configuration', () => {
  it('defaults to the local embedding (384 dimensions) and the embedded store', () => {
    const config = loadRetrievalConfig({});
    expect(config).toMatchObject({ EMBEDDINGS_PROVIDER: 'local', QDRANT_COLLECTION: 'knowledge_chunks' });
    const provider = createEmbeddingProvider(config);
    expect(provider).toBeInstanceOf(LocalHashEmbeddingProvider);
    expect(provider.dimensions).toBe(384);
    // Not initialised: the store only needs the schema name at construction.
    const uow = new UnitOfWork(new DataSource({ type: 'postgres', schema: 'tool_runner' }));
    expect(createVectorStore(config, { unitOfWork: uow })).toBeInstanceOf(PostgresVectorStore);
    expect(() => createVectorStore(config)).toThrow(/UnitOfWork.*QDRANT_URL/);
  });

  it('uses Qdrant when QDRANT_URL is set', () => {
    const config = loadRetrievalConfig({ QDRANT_URL: 'http://127.0.0.1:6333', QDRANT_COLLECTION: 'kb_v2' });
    expect(createVectorStore(config)).toBeInstanceOf(QdrantVectorStore);
  });

  it('builds the HTTP provider for openai and voyage', () => {
    const openai = createEmbeddingProvider(
      loadRetrievalConfig({
        EMBEDDINGS_PROVIDER: 'openai',
        EMBEDDINGS_MODEL: 'text-embedding-3-small',
        EMBEDDINGS_API_KEY: 'k',
      }),
    );
    expect(openai).toBeInstanceOf(HttpEmbeddingProvider);
    expect(openai).toMatchObject({ name: 'openai:text-embedding-3-small', dimensions: 1536 });
    const voyage = createEmbeddingProvider(
      loadRetrievalConfig({
        EMBEDDINGS_PROVIDER: 'voyage',
        EMBEDDINGS_MODEL: 'voyage-3.5',
        EMBEDDINGS_API_KEY: 'k',
        EMBEDDINGS_DIMENSIONS: '512',
      }),
    );
    expect(voyage).toMatchObject({ name: 'voyage:voyage-3.5', dimensions: 512 });
    // A self-hosted OpenAI-compatible server may need no key.
    const local = loadRetrievalConfig({
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_URL: 'http://127.0.0.1:11434',
      EMBEDDINGS_MODEL: 'nomic-embed-text',
      EMBEDDINGS_DIMENSIONS: '768',
    });
    expect(createEmbeddingProvider(local).dimensions).toBe(768);
  });

  it('fails at boot naming the missing variables, without printing secrets', () => {
    expect(() => loadRetrievalConfig({ EMBEDDINGS_PROVIDER: 'voyage' })).toThrow(ConfigError);
    expect(() => loadRetrievalConfig({ EMBEDDINGS_PROVIDER: 'voyage' })).toThrow(
      /EMBEDDINGS_MODEL[\s\S]*EMBEDDINGS_API_KEY/,
    );
    expect(() => loadRetrievalConfig({ EMBEDDINGS_PROVIDER: 'cohere' })).toThrow(/EMBEDDINGS_PROVIDER/);
    const config = loadRetrievalConfig({ QDRANT_URL: 'http://q:6333', QDRANT_API_KEY: 'qdrant-secret' });
    expect(describeConfig(RetrievalConfigSchema, config)).toMatchObject({ QDRANT_API_KEY: '***' });
  });
});
