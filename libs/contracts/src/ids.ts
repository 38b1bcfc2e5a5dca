import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';

/** Namespace for the ids this system derives (uuid v5). Never change it: derived ids would change. */
const NAMESPACE = '7b0f6c1e-3f7e-5d0a-9a55-4d7c2a8e1f10';

/**
 * A deterministic id from its parts: redelivered or retried work produces the same id again, so consumers
 * deduplicate it (inbox, unique constraints). Example: the reply of a turn, a tool call of a turn.
 */
export function deriveId(...parts: string[]): string {
  return uuidv5(parts.join('\u001f'), NAMESPACE);
}

/** A new time-ordered id (uuid v7): sorts by creation time, good for primary keys. */
export function newId(): string {
  return uuidv7();
}
