/**
 * The search's opaque keyset cursor: the position of the last conversation of a page in the order
 * (started_at DESC, id DESC). `startedAt` is the stored time in UTC with microseconds (PostgreSQL keeps
 * microseconds, a JS Date only milliseconds), so the next page starts exactly after it.
 */
export interface SearchPosition {
  readonly startedAt: string;
  readonly id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeSearchCursor(position: SearchPosition): string {
  return Buffer.from(JSON.stringify([position.startedAt, position.id]), 'utf8').toString('base64url');
}

/** The position, or undefined when the text is not a cursor this API issued. */
export function decodeSearchCursor(cursor: string): SearchPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [startedAt, id] = value as unknown[];
    if (typeof startedAt !== 'string' || !TIMESTAMP.test(startedAt)) return undefined;
    // A real calendar time (the pattern alone lets 2025-13-45 through).
    const millis = new Date(`${startedAt.slice(0, 23)}Z`);
    if (Number.isNaN(millis.getTime()) || millis.toISOString().slice(0, 23) !== startedAt.slice(0, 23)) {
      return undefined;
    }
    if (typeof id !== 'string' || !UUID.test(id)) return undefined;
    return { startedAt, id };
  } catch {
    return undefined;
  }
}
