import { z } from 'zod';

// The subset of Qdrant's REST wire format the test server speaks (request bodies, ids, vectors, selectors).
// Kept independent of @qdrant/js-client-rest's types on purpose: the server must answer as Qdrant does, not as
// one client version declares.

/** An error answered with Qdrant's shape: `{ "status": { "error": message }, "time": seconds }`. */
export class QdrantApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'QdrantApiError';
  }
}

// Message prefixes are Qdrant's (`StorageError` Display): "Not found: ", "Wrong input: ", "Bad request: ".
export const notFound = (message: string): QdrantApiError => new QdrantApiError(404, `Not found: ${message}`);
export const wrongInput = (message: string): QdrantApiError =>
  new QdrantApiError(400, `Wrong input: ${message}`);
export const badRequest = (message: string): QdrantApiError =>
  new QdrantApiError(400, `Bad request: ${message}`);
/** actix-web's JSON deserialisation failure (400). */
export const formatError = (message: string): QdrantApiError =>
  new QdrantApiError(400, `Format error in JSON body: ${message}`);
/** Qdrant's `validator` failures are 422. */
export const validationError = (message: string): QdrantApiError =>
  new QdrantApiError(422, `Validation error in JSON body: [${message}]`);
export const collectionNotFound = (name: string): QdrantApiError =>
  notFound(`Collection \`${name}\` doesn't exist!`);
export const collectionExists = (name: string): QdrantApiError =>
  new QdrantApiError(409, `Wrong input: Collection \`${name}\` already exists!`);
export const dimensionError = (expected: number, got: number): QdrantApiError =>
  wrongInput(`Vector dimension error: expected dim: ${expected}, got ${got}`);
export const missingVectorName = (name: string): QdrantApiError =>
  wrongInput(`Not existing vector name error: ${name}`);

// ---- point ids ---------------------------------------------------------------------------------------------

/** An unsigned integer, or a UUID in Qdrant's canonical form (lower-case, hyphenated). */
export type PointId = number | string;

const UUID = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/i;

export const parsePointId = (raw: unknown): PointId => {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string') {
    const parts = UUID.exec(raw);
    if (parts) return parts.slice(1).join('-').toLowerCase();
  }
  throw formatError(
    `value ${JSON.stringify(raw)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
};

/** A map key for an id (uuids never start with `#`). */
export const idKey = (id: PointId): string => (typeof id === 'number' ? `#${id}` : id);

/** Qdrant's id order: integers first (numerically), then uuids (by their 128-bit value, i.e. hex order). */
export const compareIds = (a: PointId, b: PointId): number => {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

// ---- vectors -----------------------------------------------------------------------------------------------

export interface SparseVector {
  readonly indices: readonly number[];
  readonly values: readonly number[];
}
export type StoredVector = readonly number[] | SparseVector;

export const isSparse = (value: StoredVector): value is SparseVector => !Array.isArray(value);

const SparseVectorSchema = z.object({
  indices: z.array(z.number().int().nonnegative()),
  values: z.array(z.number()),
});
const DenseVectorSchema = z.array(z.number());
const MultiVectorSchema = z.array(z.array(z.number()));

/** A dense vector, a sparse one, or (rejected later, with a clear message) a multivector. */
export const VectorSchema = z.union([DenseVectorSchema, SparseVectorSchema, MultiVectorSchema]);
export type VectorInput = z.infer<typeof VectorSchema>;

/** `vector` of a point: the default (unnamed) vector, or named vectors. */
export const VectorStructSchema = z.union([VectorSchema, z.record(z.string(), VectorSchema)]);

export const DistanceSchema = z.enum(['Cosine', 'Dot', 'Euclid', 'Manhattan']);
export type Distance = z.infer<typeof DistanceSchema>;

export const VectorParamsSchema = z.looseObject({
  size: z.number().int().positive(),
  distance: DistanceSchema,
});
export const SparseVectorParamsSchema = z.looseObject({
  modifier: z.enum(['none', 'idf']).nullish(),
  index: z.unknown().optional(),
});

export const CreateCollectionSchema = z.looseObject({
  vectors: z.union([VectorParamsSchema, z.record(z.string(), VectorParamsSchema)]).nullish(),
  sparse_vectors: z.record(z.string(), SparseVectorParamsSchema).nullish(),
});

export const CreateFieldIndexSchema = z.looseObject({
  field_name: z.string().min(1),
  field_schema: z
    .union([z.string(), z.looseObject({ type: z.string() })])
    .nullish()
    .transform((v) => v ?? undefined),
});

const PointStructSchema = z.looseObject({
  id: z.unknown(),
  vector: VectorStructSchema,
  payload: z.record(z.string(), z.unknown()).nullish(),
});

// Plain (key-stripping) objects in unions, so `'points' in body` narrows.
export const UpsertSchema = z.union([
  z.object({ points: z.array(PointStructSchema) }),
  z.object({
    batch: z.object({
      ids: z.array(z.unknown()),
      vectors: z.union([z.array(VectorSchema), z.record(z.string(), z.array(VectorSchema))]),
      payloads: z.array(z.record(z.string(), z.unknown()).nullish()).nullish(),
    }),
  }),
]);

export const DeletePointsSchema = z.union([
  z.object({ points: z.array(z.unknown()) }),
  z.object({ filter: z.unknown() }),
]);

const WithPayloadSchema = z.union([
  z.boolean(),
  z.array(z.string()),
  z.object({ include: z.array(z.string()) }),
  z.object({ exclude: z.array(z.string()) }),
]);
export type WithPayload = z.infer<typeof WithPayloadSchema>;
const WithVectorSchema = z.union([z.boolean(), z.array(z.string())]);
export type WithVector = z.infer<typeof WithVectorSchema>;

export const RetrieveSchema = z.looseObject({
  ids: z.array(z.unknown()),
  with_payload: WithPayloadSchema.nullish(),
  with_vector: WithVectorSchema.nullish(),
});

export const ScrollSchema = z.looseObject({
  offset: z.unknown().optional(),
  limit: z.number().int().positive().nullish(),
  filter: z.unknown().optional(),
  with_payload: WithPayloadSchema.nullish(),
  with_vector: WithVectorSchema.nullish(),
  order_by: z.unknown().optional(),
});

export const CountSchema = z.looseObject({ filter: z.unknown().optional(), exact: z.boolean().nullish() });

/** A `query` (or prefetch `query`): kept loose here, interpreted by the query planner. */
export interface PrefetchRequest {
  readonly prefetch?: unknown;
  readonly query?: unknown;
  readonly using?: string | null;
  readonly filter?: unknown;
  readonly score_threshold?: number | null;
  readonly limit?: number | null;
}

const PrefetchFields = {
  prefetch: z.unknown().optional(),
  query: z.unknown().optional(),
  using: z.string().nullish(),
  filter: z.unknown().optional(),
  score_threshold: z.number().nullish(),
  limit: z.number().int().positive().nullish(),
};

export const PrefetchSchema = z.looseObject(PrefetchFields);

export const QueryRequestSchema = z.looseObject({
  ...PrefetchFields,
  offset: z.number().int().nonnegative().nullish(),
  with_payload: WithPayloadSchema.nullish(),
  with_vector: WithVectorSchema.nullish(),
  lookup_from: z.unknown().optional(),
});
export type QueryRequest = z.infer<typeof QueryRequestSchema>;

export const QueryBatchSchema = z.looseObject({ searches: z.array(QueryRequestSchema) });

/** Zod issues as Qdrant words a body it cannot deserialise. */
export const parseBody = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
  throw formatError(issues);
};
