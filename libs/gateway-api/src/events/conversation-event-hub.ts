import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject, Subscription } from 'rxjs';
import {
  AnalysisCompleted,
  ReplyDelta,
  ReplyGenerated,
  TurnFailed,
  type AnalysisCompletedData,
  type EventEnvelope,
  type ReplyGeneratedData,
  type TurnFailedData,
} from '@lib/contracts';

/** What became of a turn, as far as a waiting client is concerned. */
export interface TurnOutcome {
  readonly status: 'completed' | 'failed';
  readonly analysis?: AnalysisCompletedData;
  readonly reply?: ReplyGeneratedData;
  readonly failure?: TurnFailedData['reason'];
}

export interface TurnWaiter {
  /** The outcome, or undefined when it did not arrive in time (or the wait was cancelled). */
  readonly result: Promise<TurnOutcome | undefined>;
  cancel(): void;
}

/** How many recent event ids are remembered to drop redeliveries (at-least-once transport, several paths). */
export const DEFAULT_DEDUPE_WINDOW = 10_000;

/** What the hub keeps for `Last-Event-ID` replay (recent events of recently active conversations). */
export interface ReplayOptions {
  /** Events kept per conversation (the newest; `reply.delta` is never kept: `reply.generated` has the text). */
  readonly eventsPerConversation: number;
  /** Conversations kept (the least recently active is dropped first). */
  readonly conversations: number;
}

export const DEFAULT_REPLAY: ReplayOptions = { eventsPerConversation: 50, conversations: 1_000 };

/**
 * In-memory fan-out of conversation events to this instance's SSE clients and `?wait` requests. One RxJS
 * Subject per conversation, created on the first subscriber and dropped with the last, so memory follows
 * open streams, not conversations. Events of conversations nobody watches are dropped at once.
 */
export class ConversationEventHub implements OnModuleDestroy {
  private readonly logger = new Logger(ConversationEventHub.name);
  private readonly streams = new Map<string, Subject<EventEnvelope<unknown>>>();
  /** Insertion-ordered, so the oldest id is evicted first. */
  private readonly seen = new Set<string>();
  /** Recent events per conversation for `Last-Event-ID`; Map order = least recently active first. */
  private readonly history = new Map<string, EventEnvelope<unknown>[]>();

  constructor(
    private readonly dedupeWindow = DEFAULT_DEDUPE_WINDOW,
    private readonly replay: ReplayOptions = DEFAULT_REPLAY,
  ) {}

  /** Number of conversations with at least one subscriber. */
  get activeConversations(): number {
    return this.streams.size;
  }

  /**
   * Hands an event to its conversation's subscribers (the conversation is the event's subject, its key).
   * Returns false for an event id seen recently. Never throws: the caller is an event handler.
   */
  publish(event: EventEnvelope<unknown>): boolean {
    if (this.seen.has(event.id)) return false;
    this.seen.add(event.id);
    if (this.seen.size > this.dedupeWindow) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.remember(event);
    try {
      this.streams.get(event.subject)?.next(event);
    } catch (error) {
      this.logger.warn(`subscriber of conversation ${event.subject} failed: ${String(error)}`);
    }
    return true;
  }

  /**
   * The events this instance relayed for the conversation after the one with id `lastEventId`, oldest first
   * (`reply.delta` left out); undefined when that id is not among the events kept (too old, or relayed by
   * another instance): the client must reload the conversation instead.
   */
  eventsAfter(conversationId: string, lastEventId: string): EventEnvelope<unknown>[] | undefined {
    const kept = this.history.get(conversationId) ?? [];
    const index = kept.findIndex((e) => e.id === lastEventId);
    return index < 0 ? undefined : kept.slice(index + 1);
  }

  /**
   * The conversation's events from now on; with `lastEventId` (SSE `Last-Event-ID`), first those relayed
   * after it. Replay and subscription happen in one synchronous step, so no event falls between them.
   * Emits `undefined` first when the events after `lastEventId` are no longer kept.
   */
  eventsSince(
    conversationId: string,
    lastEventId: string | undefined,
  ): Observable<EventEnvelope<unknown> | undefined> {
    return new Observable<EventEnvelope<unknown> | undefined>((subscriber) => {
      if (lastEventId !== undefined) {
        const missed = this.eventsAfter(conversationId, lastEventId);
        if (missed === undefined) subscriber.next(undefined);
        else for (const event of missed) subscriber.next(event);
      }
      return this.events(conversationId).subscribe(subscriber);
    });
  }

  /** The conversation's events from now on (hot: no replay). */
  events(conversationId: string): Observable<EventEnvelope<unknown>> {
    return new Observable<EventEnvelope<unknown>>((subscriber) => {
      let subject = this.streams.get(conversationId);
      if (!subject) {
        subject = new Subject<EventEnvelope<unknown>>();
        this.streams.set(conversationId, subject);
      }
      const own = subject;
      const subscription = own.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        if (!own.observed && this.streams.get(conversationId) === own) this.streams.delete(conversationId);
      };
    });
  }

  /**
   * Waits for the reply (or failure) of a turn, collecting its analysis on the way. Register it BEFORE the
   * turn is published: the stream is hot, so an outcome that arrives before registration is not seen.
   */
  waitForOutcome(conversationId: string, turnId: string, timeoutMs: number): TurnWaiter {
    let analysis: AnalysisCompletedData | undefined;
    let done = false;
    // A container first: if the outcome settles while subscribing, adding to it unsubscribes at once.
    const subscription = new Subscription();
    let settle: (outcome: TurnOutcome | undefined) => void = () => undefined;
    const result = new Promise<TurnOutcome | undefined>((resolve) => (settle = resolve));
    const finish = (outcome: TurnOutcome | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      subscription.unsubscribe();
      settle(outcome);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const listening = this.events(conversationId).subscribe({
      next: (event) => {
        const data = event.data as { turnId?: unknown };
        if (data.turnId !== turnId) return;
        if (event.type === AnalysisCompleted.type) analysis = event.data as AnalysisCompletedData;
        else if (event.type === ReplyGenerated.type) {
          finish({ status: 'completed', analysis, reply: event.data as ReplyGeneratedData });
        } else if (event.type === TurnFailed.type) {
          finish({ status: 'failed', analysis, failure: (event.data as TurnFailedData).reason });
        }
      },
      // The stream ended (the conversation was deleted, or shutdown): nothing more will come.
      complete: () => finish(undefined),
    });
    subscription.add(listening);
    return { result, cancel: () => finish(undefined) };
  }

  /**
   * The conversation was deleted: its streams complete (open SSE responses end, waiters resolve
   * empty-handed). Returns whether anyone was watching.
   */
  close(conversationId: string): boolean {
    this.history.delete(conversationId);
    const subject = this.streams.get(conversationId);
    if (!subject) return false;
    this.streams.delete(conversationId);
    subject.complete();
    return true;
  }

  private remember(event: EventEnvelope<unknown>): void {
    if (event.type === ReplyDelta.type || this.replay.eventsPerConversation === 0) return;
    const kept = this.history.get(event.subject) ?? [];
    // Delete and set again: the conversation becomes the most recently active.
    this.history.delete(event.subject);
    kept.push(event);
    if (kept.length > this.replay.eventsPerConversation) kept.shift();
    this.history.set(event.subject, kept);
    if (this.history.size > this.replay.conversations) {
      const oldest = this.history.keys().next().value;
      if (oldest !== undefined) this.history.delete(oldest);
    }
  }

  /** Completes every stream: open SSE responses end, waiters resolve empty-handed. */
  onModuleDestroy(): void {
    for (const subject of this.streams.values()) subject.complete();
    this.streams.clear();
    this.history.clear();
  }
}

/** `io.salesagent.analysis.completed.v1` → `analysis.completed` (the SSE `event` field). */
export function shortEventType(type: string): string {
  return type.replace(/^io\.salesagent\./, '').replace(/\.v\d+$/, '');
}
