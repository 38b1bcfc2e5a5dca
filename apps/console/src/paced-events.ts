/**
 * Hands live events to `handle` in order, at most one `reply.delta` per `intervalMs`: deltas that arrive
 * together (one network read, one React render) are still shown one after the other, as the reply streams.
 * Other events wait for the deltas before them. A hidden tab gets everything at once.
 */
export function pacedEvents<E extends { event: string }>(
  handle: (event: E) => void,
  intervalMs = 30,
): { push(event: E): void; stop(): void } {
  const queue: E[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const pump = (): void => {
    timer = undefined;
    while (!stopped) {
      const event = queue.shift();
      if (!event) return;
      handle(event);
      if (event.event === 'reply.delta' && !document.hidden) {
        timer = setTimeout(pump, intervalMs);
        return;
      }
    }
  };

  return {
    push(event) {
      if (stopped) return;
      queue.push(event);
      if (timer === undefined) pump();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      queue.length = 0;
    },
  };
}
