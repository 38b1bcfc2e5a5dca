import { Logger } from '@nestjs/common';
import { deriveId, ReplyDelta, type EventEnvelope } from '@lib/contracts';
import type { EventPublisher } from '@lib/messaging';

export interface ReplyDeltaTarget {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly turnId: string;
  readonly replyId: string;
  readonly causation?: EventEnvelope<unknown>;
}

/** The event id of a reply's n-th delta: a step taken again after a crash re-sends the same ids. */
export function replyDeltaEventId(replyId: string, index: number): string {
  return deriveId(replyId, 'delta', String(index));
}

/**
 * Publishes the reply text as the model streams it: `reply.delta` events, sent at once (not through the
 * outbox: the step's transaction is still open, and a client wants the text now), in order, numbered from
 * `startIndex` (the deltas of the turn's earlier steps). Best effort: a failed send is logged and the
 * final `reply.generated` still carries the whole, validated text.
 */
export class ReplyDeltaStream {
  private readonly logger = new Logger(ReplyDeltaStream.name);
  private chain: Promise<void> = Promise.resolve();
  private next: number;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly target: ReplyDeltaTarget,
    startIndex: number,
  ) {
    this.next = startIndex;
  }

  /** How many deltas the turn has streamed so far (including earlier steps). */
  get count(): number {
    return this.next;
  }

  /** The callback given to the model (`onReplyDelta`): synchronous, sends are chained in order. */
  readonly push = (text: string): void => {
    if (text.length === 0) return;
    const index = this.next++;
    const { tenantId, conversationId, turnId, replyId, causation } = this.target;
    this.chain = this.chain
      .then(async () => {
        await this.publisher.publish(
          ReplyDelta,
          { conversationId, turnId, replyId, index, text, emittedAt: new Date().toISOString() },
          {
            tenantId,
            id: replyDeltaEventId(replyId, index),
            causation,
            correlationId: turnId,
            immediate: true,
          },
        );
      })
      .catch((error: unknown) => {
        this.logger.warn(`reply delta ${index} of turn ${turnId} not sent: ${String(error)}`);
      });
  };

  /** Resolves once every delta pushed so far has been sent (or given up). */
  flushed(): Promise<void> {
    return this.chain;
  }
}
