import { bothFilters, compileFilter, type Filter, type FilterTarget, valuesAt } from './filter';
import {
  dbsf,
  DEFAULT_RRF_K,
  denseScore,
  idfWeights,
  prepareDense,
  type Ranked,
  rrf,
  smallerIsBetter,
  sparseScore,
} from './scoring';
import {
  badRequest,
  compareIds,
  CreateCollectionSchema,
  dimensionError,
  type Distance,
  formatError,
  idKey,
  isSparse,
  missingVectorName,
  notFound,
  parseBody,
  parsePointId,
  type PointId,
  PrefetchSchema,
  type PrefetchRequest,
  type QueryRequest,
  type SparseVector,
  type StoredVector,
  validationError,
  type VectorInput,
  type WithPayload,
  type WithVector,
  wrongInput,
} from './wire';
import type { z } from 'zod';

/** The name Qdrant gives the unnamed (default) vector. */
export const DEFAULT_VECTOR = '';
const DEFAULT_LIMIT = 10;

interface DenseConfig {
  readonly size: number;
  readonly distance: Distance;
}
interface SparseConfig {
  readonly idf: boolean;
}

/** A point as stored (Cosine vectors already normalised, sparse indices sorted). */
export interface StoredPoint {
  readonly id: PointId;
  readonly key: string;
  readonly vectors: ReadonlyMap<string, StoredVector>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The operation id of the last write to this point. */
  readonly version: number;
}

export interface NewPoint {
  readonly id: unknown;
  readonly vector: VectorInput | Record<string, VectorInput>;
  readonly payload?: Record<string, unknown> | null | undefined;
}

export interface UpdateResult {
  readonly operation_id: number;
  readonly status: 'acknowledged' | 'completed';
}

interface PayloadIndex {
  readonly dataType: string;
  readonly params: Record<string, unknown> | undefined;
}

type ResolvedQuery =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'fusion';
      readonly method: 'rrf' | 'dbsf';
      readonly k: number;
      readonly weights: number[];
    }
  | {
      readonly kind: 'nearest';
      readonly using: string;
      readonly vector: readonly number[] | SparseVector;
      readonly excludeKey: string | undefined;
    };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isDenseInput = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((x) => typeof x === 'number');

const isSparseInput = (value: unknown): value is SparseVector =>
  isRecord(value) && Array.isArray(value['indices']) && Array.isArray(value['values']);

/** One in-memory collection: points, payload indexes and the query engine. */
export class InMemoryCollection {
  private readonly points = new Map<string, StoredPoint>();
  private readonly payloadIndexes = new Map<string, PayloadIndex>();
  private readonly dense = new Map<string, DenseConfig>();
  private readonly sparse = new Map<string, SparseConfig>();
  private readonly vectorsEcho: unknown;
  private readonly sparseEcho: Record<string, unknown> | undefined;
  private operationId = 0;

  constructor(
    readonly name: string,
    config: z.infer<typeof CreateCollectionSchema>,
  ) {
    const vectors = config.vectors ?? {};
    if ('size' in vectors && typeof vectors['size'] === 'number') {
      const params = vectors as { size: number; distance: Distance };
      this.dense.set(DEFAULT_VECTOR, { size: params.size, distance: params.distance });
      this.vectorsEcho = { size: params.size, distance: params.distance };
    } else {
      const named = vectors as Record<string, { size: number; distance: Distance }>;
      const echo: Record<string, unknown> = {};
      for (const [vectorName, params] of Object.entries(named)) {
        this.dense.set(vectorName, { size: params.size, distance: params.distance });
        echo[vectorName] = { size: params.size, distance: params.distance };
      }
      this.vectorsEcho = echo;
    }
    if (config.sparse_vectors) {
      const echo: Record<string, unknown> = {};
      for (const [vectorName, params] of Object.entries(config.sparse_vectors)) {
        if (this.dense.has(vectorName))
          throw wrongInput(`Vector name \`${vectorName}\` is used for dense and sparse`);
        this.sparse.set(vectorName, { idf: params.modifier === 'idf' });
        echo[vectorName] = params.modifier ? { modifier: params.modifier } : {};
      }
      this.sparseEcho = echo;
    }
  }

  get size(): number {
    return this.points.size;
  }

  /** Every point, in id order (for test assertions). */
  all(): StoredPoint[] {
    return [...this.points.values()].sort((a, b) => compareIds(a.id, b.id));
  }

  info(): Record<string, unknown> {
    const payloadSchema: Record<string, unknown> = {};
    for (const [field, index] of this.payloadIndexes) {
      const indexed = [...this.points.values()].filter((p) => valuesAt(p.payload, field).length > 0).length;
      payloadSchema[field] = {
        data_type: index.dataType,
        ...(index.params ? { params: index.params } : {}),
        points: indexed,
      };
    }
    return {
      status: 'green',
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: this.points.size,
      segments_count: 1,
      config: {
        params: {
          vectors: this.vectorsEcho,
          shard_number: 1,
          replication_factor: 1,
          write_consistency_factor: 1,
          on_disk_payload: true,
          ...(this.sparseEcho ? { sparse_vectors: this.sparseEcho } : {}),
        },
        hnsw_config: {
          m: 16,
          ef_construct: 100,
          full_scan_threshold: 10000,
          max_indexing_threads: 0,
          on_disk: false,
        },
        optimizer_config: {
          deleted_threshold: 0.2,
          vacuum_min_vector_number: 1000,
          default_segment_number: 0,
          max_segment_size: null,
          memmap_threshold: null,
          indexing_threshold: 10000,
          flush_interval_sec: 5,
          max_optimization_threads: null,
        },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        quantization_config: null,
        strict_mode_config: { enabled: false },
      },
      payload_schema: payloadSchema,
    };
  }

  // ---- writes ------------------------------------------------------------------------------------------------

  /** Validates every point first, so a bad point leaves the collection unchanged. */
  upsert(points: readonly NewPoint[], wait: boolean): UpdateResult {
    const operationId = this.operationId++;
    const prepared = points.map((point, index) => {
      const id = parsePointId(point.id);
      return {
        id,
        key: idKey(id),
        vectors: this.prepareVectors(point.vector, `points[${index}].vector`),
        payload: { ...(point.payload ?? {}) },
        version: operationId,
      };
    });
    for (const point of prepared) this.points.set(point.key, point);
    return updated(operationId, wait);
  }

  deleteByIds(ids: readonly unknown[], wait: boolean): UpdateResult {
    const keys = ids.map((id) => idKey(parsePointId(id)));
    for (const key of keys) this.points.delete(key);
    return updated(this.operationId++, wait);
  }

  deleteByFilter(rawFilter: unknown, wait: boolean): UpdateResult {
    const filter = compileFilter(rawFilter);
    for (const point of [...this.points.values()]) if (filter(target(point))) this.points.delete(point.key);
    return updated(this.operationId++, wait);
  }

  createPayloadIndex(
    fieldName: string,
    schema: string | Record<string, unknown> | undefined,
    wait: boolean,
  ): UpdateResult {
    if (schema === undefined)
      throw badRequest('field_schema is required by QdrantTestServer (type inference is not implemented)');
    const dataType = typeof schema === 'string' ? schema : String(schema['type']);
    const known = ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid'];
    if (!known.includes(dataType))
      throw formatError(`unknown variant \`${dataType}\`, expected one of ${known.join(', ')}`);
    this.payloadIndexes.set(fieldName, {
      dataType,
      params: typeof schema === 'string' ? undefined : { ...schema },
    });
    return updated(this.operationId++, wait);
  }

  deletePayloadIndex(fieldName: string, wait: boolean): UpdateResult {
    this.payloadIndexes.delete(fieldName);
    return updated(this.operationId++, wait);
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  retrieve(
    ids: readonly unknown[],
    withPayload: WithPayload,
    withVector: WithVector,
  ): Record<string, unknown>[] {
    const seen = new Set<string>();
    return ids.flatMap((raw) => {
      const key = idKey(parsePointId(raw));
      const point = this.points.get(key);
      if (!point || seen.has(key)) return [];
      seen.add(key);
      return [this.record(point, withPayload, withVector)];
    });
  }

  getPoint(rawId: unknown): Record<string, unknown> {
    const id = parsePointId(rawId);
    const point = this.points.get(idKey(id));
    if (!point) throw notFound(`No point with id ${id} found`);
    return this.record(point, true, true);
  }

  scroll(options: {
    offset: unknown;
    limit: number | undefined;
    filter: unknown;
    withPayload: WithPayload;
    withVector: WithVector;
  }): { points: Record<string, unknown>[]; next_page_offset: PointId | null } {
    const filter = compileFilter(options.filter);
    const from =
      options.offset === undefined || options.offset === null ? undefined : parsePointId(options.offset);
    const limit = options.limit ?? DEFAULT_LIMIT;
    const matching = this.all().filter(
      (p) => (from === undefined || compareIds(p.id, from) >= 0) && filter(target(p)),
    );
    const page = matching.slice(0, limit);
    return {
      points: page.map((p) => this.record(p, options.withPayload, options.withVector)),
      next_page_offset: matching[limit]?.id ?? null,
    };
  }

  count(rawFilter: unknown): { count: number } {
    const filter = compileFilter(rawFilter);
    return { count: [...this.points.values()].filter((p) => filter(target(p))).length };
  }

  /** The universal query API (`POST /points/query`). */
  query(request: QueryRequest): { points: Record<string, unknown>[] } {
    if (request.lookup_from !== undefined && request.lookup_from !== null) {
      throw badRequest('lookup_from is not supported by QdrantTestServer');
    }
    const offset = request.offset ?? 0;
    const ranked = this.runStage(request, compileFilter(undefined), offset);
    const withPayload = request.with_payload ?? false;
    const withVector = request.with_vector ?? false;
    return {
      points: ranked.slice(offset).map(({ item, score }) => ({
        id: item.id,
        version: item.version,
        score,
        ...this.selected(item, withPayload, withVector),
      })),
    };
  }

  // ---- query planning ----------------------------------------------------------------------------------------

  /**
   * One stage of a query: its prefetches first (each limited to its `limit` + the root's `offset`, with this
   * stage's filter merged into theirs, as Qdrant propagates filters to the leaves), then its own query over their
   * results (fusion, or rescoring by a vector); a stage without prefetch searches the whole collection.
   */
  private runStage(stage: PrefetchRequest, inherited: Filter, offset: number): Ranked<StoredPoint>[] {
    const filter = bothFilters(inherited, compileFilter(stage.filter));
    const limit = (stage.limit ?? DEFAULT_LIMIT) + offset;
    const prefetches = (
      Array.isArray(stage.prefetch) ? stage.prefetch : stage.prefetch ? [stage.prefetch] : []
    ).map((p: unknown) => parseBody(PrefetchSchema, p));
    const query = this.resolveQuery(stage.query, stage.using ?? DEFAULT_VECTOR);
    const threshold = stage.score_threshold ?? undefined;

    if (prefetches.length === 0) {
      switch (query.kind) {
        case 'none':
          return this.all()
            .filter((p) => filter(target(p)))
            .slice(0, limit)
            .map((p) => ({ item: p, key: p.key, score: 0 }));
        case 'fusion':
          throw badRequest('Fusion queries need at least one prefetch');
        case 'nearest':
          return this.search(query, [...this.points.values()], filter, threshold, limit);
      }
    }

    const lists = prefetches.map((p) => this.runStage(p, filter, offset));
    switch (query.kind) {
      case 'none':
        throw badRequest(
          'a query with prefetch must have a `query` in QdrantTestServer (fusion or a vector)',
        );
      case 'fusion': {
        if (query.weights.length > 0 && query.weights.length !== lists.length) {
          throw badRequest(
            `rrf weights (${query.weights.length}) must match the number of prefetches (${lists.length})`,
          );
        }
        const fused = query.method === 'rrf' ? rrf(lists, query.k, query.weights) : dbsf(lists);
        return fused.filter((r) => threshold === undefined || r.score >= threshold).slice(0, limit);
      }
      case 'nearest': {
        const candidates = new Map<string, StoredPoint>();
        for (const list of lists) for (const r of list) candidates.set(r.key, r.item);
        return this.search(query, [...candidates.values()], filter, threshold, limit);
      }
    }
  }

  private search(
    query: Extract<ResolvedQuery, { kind: 'nearest' }>,
    candidates: readonly StoredPoint[],
    filter: Filter,
    threshold: number | undefined,
    limit: number,
  ): Ranked<StoredPoint>[] {
    const dense = this.dense.get(query.using);
    const smaller = dense ? smallerIsBetter(dense.distance) : false;
    const idf =
      !dense && isSparse(query.vector) && this.sparse.get(query.using)?.idf
        ? idfWeights(
            query.vector,
            [...this.points.values()].flatMap((p) => {
              const v = p.vectors.get(query.using);
              return v && isSparse(v) ? [v] : [];
            }),
          )
        : undefined;
    const scored: Ranked<StoredPoint>[] = [];
    for (const point of candidates) {
      if (point.key === query.excludeKey || !filter(target(point))) continue;
      const stored = point.vectors.get(query.using);
      if (!stored) continue;
      let score: number | undefined;
      if (dense && !isSparse(stored) && !isSparse(query.vector))
        score = denseScore(dense.distance, query.vector, stored);
      else if (isSparse(stored) && isSparse(query.vector)) score = sparseScore(query.vector, stored, idf);
      if (score === undefined) continue;
      if (threshold !== undefined && (smaller ? score > threshold : score < threshold)) continue;
      scored.push({ item: point, key: point.key, score });
    }
    return scored
      .sort((a, b) => (smaller ? a.score - b.score : b.score - a.score) || compareIds(a.item.id, b.item.id))
      .slice(0, limit);
  }

  private resolveQuery(raw: unknown, using: string): ResolvedQuery {
    if (raw === undefined || raw === null) return { kind: 'none' };
    if (typeof raw === 'number' || typeof raw === 'string') {
      // Query by the stored vector of a point, which is left out of the results (as Qdrant does).
      const id = parsePointId(raw);
      const point = this.points.get(idKey(id));
      if (!point) throw notFound(`No point with id ${id} found`);
      const vector = point.vectors.get(using);
      if (!vector) throw wrongInput(`Vector \`${using}\` is not set for point ${id}`);
      return { kind: 'nearest', using, vector, excludeKey: point.key };
    }
    if (isDenseInput(raw) || isSparseInput(raw)) return this.nearest(raw, using);
    if (Array.isArray(raw)) throw badRequest('multivector queries are not supported by QdrantTestServer');
    if (!isRecord(raw)) throw formatError('query: unsupported value');
    if ('nearest' in raw) {
      if (raw['mmr'] !== undefined && raw['mmr'] !== null)
        throw badRequest('mmr is not supported by QdrantTestServer');
      const inner = this.resolveQuery(raw['nearest'], using);
      if (inner.kind !== 'nearest') throw formatError('nearest: expected a vector or a point id');
      return inner;
    }
    if ('fusion' in raw) {
      if (raw['fusion'] !== 'rrf' && raw['fusion'] !== 'dbsf') {
        throw formatError(`unknown variant \`${String(raw['fusion'])}\`, expected \`rrf\` or \`dbsf\``);
      }
      return { kind: 'fusion', method: raw['fusion'], k: DEFAULT_RRF_K, weights: [] };
    }
    if ('rrf' in raw) {
      const params = isRecord(raw['rrf']) ? raw['rrf'] : {};
      const k = params['k'] ?? DEFAULT_RRF_K;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
        throw validationError('query.rrf.k: value must be at least 1');
      const weights = params['weights'] ?? [];
      if (!Array.isArray(weights) || !weights.every((w) => typeof w === 'number')) {
        throw formatError('query.rrf.weights: expected a list of numbers');
      }
      return { kind: 'fusion', method: 'rrf', k, weights };
    }
    const kind = Object.keys(raw)[0] ?? 'empty';
    throw badRequest(`\`${kind}\` queries are not supported by QdrantTestServer`);
  }

  private nearest(raw: number[] | SparseVector, using: string): ResolvedQuery {
    const dense = this.dense.get(using);
    const sparse = this.sparse.get(using);
    if (!dense && !sparse) throw missingVectorName(using);
    if (isDenseInput(raw)) {
      if (!dense)
        throw wrongInput(`Query of dense vector type is not supported for sparse vector \`${using}\``);
      if (raw.length !== dense.size) throw dimensionError(dense.size, raw.length);
      return { kind: 'nearest', using, vector: prepareDense(dense.distance, raw), excludeKey: undefined };
    }
    if (!sparse)
      throw wrongInput(`Query of sparse vector type is not supported for dense vector \`${using}\``);
    return { kind: 'nearest', using, vector: validSparse(raw, 'query'), excludeKey: undefined };
  }

  // ---- points in and out -------------------------------------------------------------------------------------

  private prepareVectors(raw: NewPoint['vector'], path: string): Map<string, StoredVector> {
    const named: Record<string, unknown> =
      Array.isArray(raw) || isSparseInput(raw) ? { [DEFAULT_VECTOR]: raw } : raw;
    const vectors = new Map<string, StoredVector>();
    for (const [vectorName, value] of Object.entries(named)) {
      const dense = this.dense.get(vectorName);
      const sparse = this.sparse.get(vectorName);
      if (!dense && !sparse) throw missingVectorName(vectorName);
      if (dense) {
        if (!isDenseInput(value)) {
          throw Array.isArray(value)
            ? badRequest('multivectors are not supported by QdrantTestServer')
            : wrongInput(`Conversion between sparse and regular vectors failed for \`${vectorName}\``);
        }
        if (value.length !== dense.size) throw dimensionError(dense.size, value.length);
        vectors.set(vectorName, prepareDense(dense.distance, value));
      } else {
        if (!isSparseInput(value))
          throw wrongInput(`Conversion between sparse and regular vectors failed for \`${vectorName}\``);
        vectors.set(vectorName, validSparse(value, `${path}.${vectorName}`));
      }
    }
    return vectors;
  }

  private record(
    point: StoredPoint,
    withPayload: WithPayload,
    withVector: WithVector,
  ): Record<string, unknown> {
    return { id: point.id, ...this.selected(point, withPayload, withVector) };
  }

  private selected(
    point: StoredPoint,
    withPayload: WithPayload,
    withVector: WithVector,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const payload = selectPayload(point.payload, withPayload);
    if (payload) out['payload'] = payload;
    if (withVector !== false) {
      const names = withVector === true ? [...point.vectors.keys()] : withVector;
      const onlyDefault = names.length === 1 && names[0] === DEFAULT_VECTOR && withVector === true;
      if (onlyDefault) out['vector'] = point.vectors.get(DEFAULT_VECTOR);
      else {
        const vectors: Record<string, StoredVector> = {};
        for (const n of names) {
          const v = point.vectors.get(n);
          if (v) vectors[n] = v;
        }
        out['vector'] = vectors;
      }
    }
    return out;
  }
}

const updated = (operationId: number, wait: boolean): UpdateResult => ({
  operation_id: operationId,
  status: wait ? 'completed' : 'acknowledged',
});

const target = (point: StoredPoint): FilterTarget => ({
  idKey: point.key,
  payload: point.payload,
  vectorNames: new Set(point.vectors.keys()),
});

/** Sparse vectors: same length, unique indices (Qdrant's validation, 422), stored sorted by index. */
const validSparse = (raw: SparseVector, path: string): SparseVector => {
  if (raw.indices.length !== raw.values.length) {
    throw validationError(`${path}: must be the same length as indices`);
  }
  if (new Set(raw.indices).size !== raw.indices.length)
    throw validationError(`${path}.indices: must be unique`);
  const order = raw.indices.map((_, i) => i).sort((a, b) => (raw.indices[a] ?? 0) - (raw.indices[b] ?? 0));
  return { indices: order.map((i) => raw.indices[i] ?? 0), values: order.map((i) => raw.values[i] ?? 0) };
};

const selectPayload = (
  payload: Readonly<Record<string, unknown>>,
  selector: WithPayload,
): Record<string, unknown> | undefined => {
  if (selector === false) return undefined;
  if (selector === true) return { ...payload };
  const include = Array.isArray(selector) ? selector : 'include' in selector ? selector.include : undefined;
  const exclude = !Array.isArray(selector) && 'exclude' in selector ? selector.exclude : undefined;
  const topLevel = (path: string): string => path.split('.')[0] ?? path;
  return Object.fromEntries(
    Object.entries(payload).filter(([key]) =>
      include ? include.map(topLevel).includes(key) : !(exclude ?? []).map(topLevel).includes(key),
    ),
  );
};
