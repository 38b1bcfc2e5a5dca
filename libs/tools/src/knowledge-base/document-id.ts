import { deriveId } from '@lib/contracts';

/** Document ids are path-like: letters, digits, `_ . / -`, so `kb:<documentId>#<chunk>` stays one token. */
export const DOCUMENT_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,299}$/;

/**
 * The document id of a source, deterministic: a relative path stays as it is (`posthog/billing.md`); a URL
 * becomes host + path (`posthog.com/docs/billing`), without scheme, query or fragment. Characters outside
 * the id alphabet become `-`.
 */
export function documentIdFor(source: string): string {
  let id = source.trim();
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(id) ? safeUrl(id) : undefined;
  if (url) id = `${url.host.toLowerCase()}${url.pathname}`;
  id = id
    .replace(/\\/g, '/')
    .replace(/[?#].*$/, '')
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/[^A-Za-z0-9_./-]+/g, '-')
    .replace(/\.\.+/g, '.')
    .replace(/^[./-]+/, '');
  if (!id) throw new Error(`no document id can be made from source "${source}"`);
  return id.length > 300 ? `${id.slice(0, 263)}-${deriveId(id).slice(0, 36)}` : id;
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The citation id of a chunk: `kb:<documentId>#<chunkIndex>` (the orchestrator and the evaluator rely on it). */
export const passageSourceId = (documentId: string, chunkIndex: number): string =>
  `kb:${documentId}#${chunkIndex}`;
