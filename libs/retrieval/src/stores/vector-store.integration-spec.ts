import { randomUUID } from 'node:crypto';
import { createMigratedDatabase } from '@lib/testing';
import { describeVectorStoreContract } from '../testing/vector-store.contract';
import { CreateKnowledgeChunks1764000200000 } from './postgres/create-knowledge-chunks.migration';
import { KnowledgeChunkEntity } from './postgres/knowledge-chunk.entity';
import { PostgresVectorStore } from './postgres/postgres-vector-store';
import { QdrantClient } from './qdrant/qdrant-client';
import { QdrantVectorStore } from './qdrant/qdrant-vector-store';

// (a) The embedded store, on the real PostgreSQL.
describeVectorStoreContract('PostgresVectorStore on PostgreSQL', async () => {
  const db = await createMigratedDatabase({
    schema: 'retrievaltest',
    entities: [KnowledgeChunkEntity],
    migrations: [CreateKnowledgeChunks1764000200000],
  });
  return {
    store: new PostgresVectorStore(db.uow, { batchSize: 3 }),
    reopen: () => new PostgresVectorStore(db.uow),
    close: () => db.close(),
  };
});

// (c) A real Qdrant, only when QDRANT_URL says where one runs (QDRANT_API_KEY if it needs one). Without it
// this suite is not registered at all: the Qdrant adapter is then covered by the test server (unit specs).
const qdrantUrl = process.env.QDRANT_URL;
if (qdrantUrl) {
  describeVectorStoreContract(`QdrantVectorStore on the real Qdrant at ${qdrantUrl}`, async () => {
    const collection = `contract_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const options = {
      url: qdrantUrl,
      apiKey: process.env.QDRANT_API_KEY,
      collection,
      checkCompatibility: true,
    };
    return {
      store: new QdrantVectorStore(options),
      reopen: () => new QdrantVectorStore(options),
      close: async () => {
        await new QdrantClient({ url: qdrantUrl, apiKey: process.env.QDRANT_API_KEY }).deleteCollection(
          collection,
        );
      },
    };
  });
}
