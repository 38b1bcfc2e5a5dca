/**
 * Keeps a tool result under a size budget (bytes of its JSON) so a large result cannot blow up the event,
 * the model's context or its cost (LLM10). Lists are shortened first (the largest list loses its tail),
 * then, if still too large, the longest strings are cut. The caller flags the result `truncated: true`.
 */
export interface CappedResult {
  readonly value: unknown;
  readonly truncated: boolean;
  readonly bytes: number;
}

const sizeOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');

interface Found<T> {
  readonly holder: T;
  readonly bytes: number;
}

/** Every array (with at least one element) and every string slot inside `value`. */
function walk(
  value: unknown,
  arrays: Found<unknown[]>[],
  strings: Found<{ parent: Record<string, unknown> | unknown[]; key: string | number }>[],
): void {
  if (Array.isArray(value)) {
    if (value.length) arrays.push({ holder: value, bytes: sizeOf(value) });
    value.forEach((item, i) => {
      if (typeof item === 'string') strings.push({ holder: { parent: value, key: i }, bytes: item.length });
      else walk(item, arrays, strings);
    });
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const [key, item] of Object.entries(record)) {
      if (typeof item === 'string') strings.push({ holder: { parent: record, key }, bytes: item.length });
      else walk(item, arrays, strings);
    }
  }
}

export function capResult(value: unknown, maxBytes: number): CappedResult {
  let bytes = sizeOf(value);
  if (bytes <= maxBytes) return { value, truncated: false, bytes };
  const copy: unknown = JSON.parse(JSON.stringify(value));
  let truncated = false;
  while (bytes > maxBytes) {
    const arrays: Found<unknown[]>[] = [];
    const strings: Found<{ parent: Record<string, unknown> | unknown[]; key: string | number }>[] = [];
    walk(copy, arrays, strings);
    const overflow = bytes - maxBytes;
    // Innermost-largest first: the biggest list whose removal helps; drop enough items at once.
    const list = arrays.sort((a, b) => b.bytes - a.bytes)[0];
    if (list) {
      const perItem = list.bytes / list.holder.length;
      const drop = Math.min(list.holder.length, Math.max(1, Math.ceil(overflow / perItem)));
      list.holder.splice(list.holder.length - drop, drop);
    } else {
      const longest = strings.sort((a, b) => b.bytes - a.bytes)[0];
      if (!longest || longest.bytes <= 1) break;
      const { parent, key } = longest.holder;
      const text = (parent as Record<string | number, string>)[key];
      const keep = Math.max(0, Math.min(Math.floor(text.length / 2), text.length - overflow - 1));
      (parent as Record<string | number, string>)[key] = `${text.slice(0, keep)}…`;
    }
    truncated = true;
    bytes = sizeOf(copy);
  }
  return { value: copy, truncated, bytes };
}
