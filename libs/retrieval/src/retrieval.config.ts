import { z } from 'zod';
import { envInt, loadConfig, secret } from '@lib/config';
import type { UnitOfWork } from '@lib/database';
import { HttpEmbeddingProvider } from './embeddings/http-embedding-provider';
import { LocalHashEmbeddingProvider } from './embeddings/local-hash-embedding-provider';
import type { EmbeddingProvider, VectorStore } from './ports';
import { PostgresVectorStore } from './stores/postgres/postgres-vector-store';
import { QdrantVectorStore } from './stores/qdrant/qdrant-vector-store';

const optionalPositiveInt = z.coerce.number().int().positive().optional();

/** Embedding provider and vector store settings, from the environment. */
export const RetrievalConfigSchema = z
  .object({
    EMBEDDINGS_PROVIDER: z
      .enum(['local', 'openai', 'voyage'])
      .default('local')
      .describe(
        'local: offline hashing embedding (no model); openai: any OpenAI-compatible API; voyage: Voyage AI',
      ),
    EMBEDDINGS_URL: z
      .url()
      .optional()
      .describe("Embeddings endpoint or base URL (default: the provider's API)"),
    EMBEDDINGS_API_KEY: secret(z.string().optional()).describe('Bearer token for the embedding API'),
    EMBEDDINGS_MODEL: z.string().optional().describe('e.g. text-embedding-3-small, voyage-3.5'),
    EMBEDDINGS_DIMENSIONS: optionalPositiveInt.describe(
      'Vector size (local default 384; needed for HTTP models whose size is not known)',
    ),
    EMBEDDINGS_BATCH_SIZE: envInt(64, 1, 2048),
    EMBEDDINGS_TIMEOUT_MS: envInt(30_000, 100),
    EMBEDDINGS_MAX_RETRIES: envInt(4, 0, 20),
    QDRANT_URL: z
      .url()
      .optional()
      .describe('Qdrant REST URL; when unset, the embedded store (PostgreSQL) is used'),
    QDRANT_API_KEY: secret(z.string().optional()),
    QDRANT_COLLECTION: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/)
      .default('knowledge_chunks'),
  })
  .superRefine((config, ctx) => {
    if (config.EMBEDDINGS_PROVIDER === 'local') return;
    if (!config.EMBEDDINGS_MODEL) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMBEDDINGS_MODEL'],
        message: `required by ${config.EMBEDDINGS_PROVIDER}`,
      });
    }
    // A self-hosted OpenAI-compatible server (EMBEDDINGS_URL) may need no key; the public APIs do.
    const publicApi = config.EMBEDDINGS_PROVIDER === 'voyage' || !config.EMBEDDINGS_URL;
    if (publicApi && !config.EMBEDDINGS_API_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMBEDDINGS_API_KEY'],
        message: `required by ${config.EMBEDDINGS_PROVIDER}`,
      });
    }
  });
export type RetrievalConfig = z.infer<typeof RetrievalConfigSchema>;

export function loadRetrievalConfig(env: NodeJS.ProcessEnv = process.env): Readonly<RetrievalConfig> {
  return loadConfig(RetrievalConfigSchema, env);
}

export function createEmbeddingProvider(config: RetrievalConfig): EmbeddingProvider {
  switch (config.EMBEDDINGS_PROVIDER) {
    case 'local':
      return new LocalHashEmbeddingProvider({ dimensions: config.EMBEDDINGS_DIMENSIONS });
    case 'openai':
    case 'voyage':
      return new HttpEmbeddingProvider({
        api: config.EMBEDDINGS_PROVIDER,
        url: config.EMBEDDINGS_URL,
        apiKey: config.EMBEDDINGS_API_KEY,
        model: config.EMBEDDINGS_MODEL ?? '',
        dimensions: config.EMBEDDINGS_DIMENSIONS,
        batchSize: config.EMBEDDINGS_BATCH_SIZE,
        timeoutMs: config.EMBEDDINGS_TIMEOUT_MS,
        maxRetries: config.EMBEDDINGS_MAX_RETRIES,
      });
  }
}

export interface VectorStoreDependencies {
  /** The embedded store's database (the tool-runner's); needed only when QDRANT_URL is unset. */
  readonly unitOfWork?: UnitOfWork;
}

/** Qdrant when QDRANT_URL is set, else the embedded store in PostgreSQL. */
export function createVectorStore(config: RetrievalConfig, deps: VectorStoreDependencies = {}): VectorStore {
  if (config.QDRANT_URL) {
    return new QdrantVectorStore({
      url: config.QDRANT_URL,
      apiKey: config.QDRANT_API_KEY,
      collection: config.QDRANT_COLLECTION,
    });
  }
  if (!deps.unitOfWork) {
    throw new Error('The embedded vector store needs a UnitOfWork (or set QDRANT_URL to use Qdrant)');
  }
  return new PostgresVectorStore(deps.unitOfWork);
}
