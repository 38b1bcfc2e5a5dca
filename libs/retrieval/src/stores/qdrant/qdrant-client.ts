import { createRequire } from 'node:module';
import type * as QdrantModule from '@qdrant/js-client-rest' with { 'resolution-mode': 'import' };

/**
 * @qdrant/js-client-rest is an ES module package that also ships a CommonJS build (its `require` export
 * condition). Its type declarations are ESM-only, so TypeScript refuses a static import from this CommonJS
 * code base; we load the CommonJS build at run time and take the types from the declarations.
 */
const qdrant = createRequire(__filename)('@qdrant/js-client-rest') as typeof QdrantModule;

export const QdrantClient = qdrant.QdrantClient;
export type QdrantClient = QdrantModule.QdrantClient;
export type QdrantSchemas = QdrantModule.Schemas;
