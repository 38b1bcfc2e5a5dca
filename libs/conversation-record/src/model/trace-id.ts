/** W3C `traceparent`: version-traceid-parentid-flags, lowercase hex. */
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The trace id of an event's `traceparent` (32 hex characters), or null when there is none or it is
 * invalid (all zeros is invalid in W3C trace context).
 */
export function traceIdOf(traceparent: string | undefined): string | null {
  const id = traceparent === undefined ? undefined : TRACEPARENT.exec(traceparent)?.[1];
  return id === undefined || /^0+$/.test(id) ? null : id;
}
