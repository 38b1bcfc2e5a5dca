import type { EventEnvelope } from '@lib/contracts';
import { InboxStore } from './delivery';

/**
 * An inbox in memory, for unit tests: one `runOnce` per (consumer, event id) at a time, and a failed run
 * leaves no entry, as the PostgreSQL inbox whose entry rolls back with the work.
 */
export class InMemoryInboxStore extends InboxStore {
  private readonly processed = new Set<string>();
  private readonly running = new Map<string, Promise<unknown>>();

  async runOnce(
    consumer: string,
    event: EventEnvelope<unknown>,
    work: () => Promise<void>,
  ): Promise<'processed' | 'duplicate'> {
    const key = `${consumer}\u001f${event.id}`;
    // Like the row lock of a concurrent insert: wait for a run of the same event in progress.
    while (this.running.has(key)) await this.running.get(key)?.catch(() => undefined);
    if (this.processed.has(key)) return 'duplicate';
    const run = work();
    this.running.set(key, run);
    try {
      await run;
      this.processed.add(key);
      return 'processed';
    } finally {
      this.running.delete(key);
    }
  }

  has(consumer: string, eventId: string): boolean {
    return this.processed.has(`${consumer}\u001f${eventId}`);
  }
}
