import { badRequest, formatError, idKey, parsePointId } from './wire';

// Qdrant filters (https://qdrant.tech/documentation/concepts/filtering/): `must` (all), `should` (at least one,
// when non-empty), `must_not` (none), `min_should`; conditions are field conditions (`match` value / any /
// except / text, `range`, `values_count`, `is_empty`, `is_null`), `has_id`, `has_vector`, `nested` and
// nested filters. A key is a dotted path (`meta.lang`, `items[].sku`); a condition on an array value holds when
// one of its elements satisfies it, as in Qdrant.

/** What a condition is evaluated against. */
export interface FilterTarget {
  readonly idKey: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly vectorNames: ReadonlySet<string>;
}

export type Filter = (target: FilterTarget) => boolean;

const MATCH_ALL: Filter = () => true;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const asList = (value: unknown): unknown[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

/** Compiles a filter (or `undefined`/`null`: everything matches); malformed filters are 400s. */
export const compileFilter = (raw: unknown): Filter => {
  if (raw === undefined || raw === null) return MATCH_ALL;
  if (!isRecord(raw)) throw formatError('filter: expected an object');
  const must = asList(raw['must']).map(compileCondition);
  const should = asList(raw['should']).map(compileCondition);
  const mustNot = asList(raw['must_not']).map(compileCondition);
  let minShould: { conditions: Filter[]; minCount: number } | undefined;
  if (isRecord(raw['min_should'])) {
    const minCount = raw['min_should']['min_count'];
    if (typeof minCount !== 'number') throw formatError('min_should.min_count: expected a number');
    minShould = { conditions: asList(raw['min_should']['conditions']).map(compileCondition), minCount };
  }
  return (target) =>
    must.every((c) => c(target)) &&
    (should.length === 0 || should.some((c) => c(target))) &&
    !mustNot.some((c) => c(target)) &&
    (!minShould || minShould.conditions.filter((c) => c(target)).length >= minShould.minCount);
};

/** Two filters that must both hold (Qdrant merges a query's filter into its prefetches this way). */
export const bothFilters = (a: Filter, b: Filter): Filter =>
  a === MATCH_ALL ? b : b === MATCH_ALL ? a : (target) => a(target) && b(target);

const compileCondition = (raw: unknown): Filter => {
  if (!isRecord(raw)) throw formatError('condition: expected an object');
  if ('must' in raw || 'should' in raw || 'must_not' in raw || 'min_should' in raw) return compileFilter(raw);
  if ('has_id' in raw) {
    const keys = new Set(asList(raw['has_id']).map((id) => idKey(parsePointId(id))));
    return (target) => keys.has(target.idKey);
  }
  if ('has_vector' in raw) {
    const name = raw['has_vector'];
    if (typeof name !== 'string') throw formatError('has_vector: expected a vector name');
    return (target) => target.vectorNames.has(name);
  }
  if ('is_empty' in raw) {
    const key = keyOf(raw['is_empty']);
    return (target) => presentValues(target.payload, key).every((v) => v === null);
  }
  if ('is_null' in raw) {
    const key = keyOf(raw['is_null']);
    return (target) => isNull(target.payload, key);
  }
  if ('nested' in raw) {
    const nested = raw['nested'];
    if (!isRecord(nested) || typeof nested['key'] !== 'string')
      throw formatError('nested: expected { key, filter }');
    const inner = compileFilter(nested['filter']);
    const key = nested['key'];
    return (target) =>
      valuesAt(target.payload, key).some(
        (element) => isRecord(element) && inner({ ...target, payload: element }),
      );
  }
  if (typeof raw['key'] === 'string') return compileFieldCondition(raw['key'], raw);
  throw formatError(`unsupported condition ${JSON.stringify(raw)}`);
};

const keyOf = (raw: unknown): string => {
  if (isRecord(raw) && typeof raw['key'] === 'string') return raw['key'];
  throw formatError('expected { key }');
};

const compileFieldCondition = (key: string, raw: Record<string, unknown>): Filter => {
  const checks: Filter[] = [];
  if (raw['match'] !== undefined && raw['match'] !== null) checks.push(compileMatch(key, raw['match']));
  if (raw['range'] !== undefined && raw['range'] !== null) {
    const inRange = compileRange(raw['range']);
    checks.push((t) => valuesAt(t.payload, key).some(inRange));
  }
  if (raw['values_count'] !== undefined && raw['values_count'] !== null) {
    const inRange = compileRange(raw['values_count']);
    checks.push((t) => inRange(valuesAt(t.payload, key).length));
  }
  if (raw['is_empty'] === true) checks.push((t) => presentValues(t.payload, key).every((v) => v === null));
  if (raw['is_null'] === true) checks.push((t) => isNull(t.payload, key));
  for (const geo of ['geo_bounding_box', 'geo_radius', 'geo_polygon']) {
    if (raw[geo] !== undefined && raw[geo] !== null)
      throw badRequest(`${geo} is not supported by QdrantTestServer`);
  }
  if (checks.length === 0) throw formatError(`condition on \`${key}\` has no match, range or values_count`);
  return (target) => checks.every((c) => c(target));
};

type Scalar = string | number | boolean;
const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

const compileMatch = (key: string, raw: unknown): Filter => {
  if (!isRecord(raw)) throw formatError('match: expected an object');
  if ('value' in raw) {
    const expected = raw['value'];
    if (!isScalar(expected)) throw formatError('match.value: expected a string, integer or boolean');
    return (t) => valuesAt(t.payload, key).some((v) => v === expected);
  }
  if ('any' in raw) {
    const any = new Set(asList(raw['any']));
    return (t) => valuesAt(t.payload, key).some((v) => any.has(v));
  }
  if ('except' in raw) {
    // Qdrant: holds when no value is in the list (a missing key holds too).
    const except = new Set(asList(raw['except']));
    return (t) => !valuesAt(t.payload, key).some((v) => except.has(v));
  }
  if ('text' in raw || 'phrase' in raw) {
    // Without a full-text index Qdrant matches a substring; with one, tokens. A substring is the common case.
    const text = String(raw['text'] ?? raw['phrase']).toLowerCase();
    return (t) =>
      valuesAt(t.payload, key).some((v) => typeof v === 'string' && v.toLowerCase().includes(text));
  }
  if ('text_any' in raw) {
    const words = String(raw['text_any']).toLowerCase().split(/\s+/).filter(Boolean);
    return (t) =>
      valuesAt(t.payload, key).some(
        (v) => typeof v === 'string' && words.some((w) => v.toLowerCase().includes(w)),
      );
  }
  throw formatError(`unsupported match ${JSON.stringify(raw)}`);
};

const compileRange = (raw: unknown): ((value: unknown) => boolean) => {
  if (!isRecord(raw)) throw formatError('range: expected an object');
  const bound = (name: string): number | undefined => {
    const v = raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v); // datetime range
    throw formatError(`range.${name}: expected a number or an RFC 3339 datetime`);
  };
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  return (value) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(n)) return false;
    return (
      (gt === undefined || n > gt) &&
      (gte === undefined || n >= gte) &&
      (lt === undefined || n < lt) &&
      (lte === undefined || n <= lte)
    );
  };
};

/** The values at a dotted path, arrays flattened (`a[].b` and `a.b` both reach into arrays of objects). */
export const valuesAt = (payload: Readonly<Record<string, unknown>>, path: string): unknown[] =>
  presentValues(payload, path).filter((v) => v !== null);

const presentValues = (payload: Readonly<Record<string, unknown>>, path: string): unknown[] => {
  let current: unknown[] = [payload];
  for (const segment of path.split('.')) {
    const name = segment.endsWith('[]') ? segment.slice(0, -2) : segment;
    current = current.flatMap((node) => (isRecord(node) && name in node ? [node[name]] : []));
    current = current.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
  }
  return current;
};

const isNull = (payload: Readonly<Record<string, unknown>>, path: string): boolean => {
  const values = presentValues(payload, path);
  return values.length > 0 && values.every((v) => v === null);
};
