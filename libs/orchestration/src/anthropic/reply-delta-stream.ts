import { Logger } from '@nestjs/common';

/**
 * Turns the growing reply text of one or more attempts (the step, a retry after a cut stream, the repair)
 * into deltas for `onReplyDelta`: only the new suffix is sent. A later attempt usually writes the same text
 * again: nothing is sent until it goes past what was already sent. If it diverges, streaming stops (the
 * final, validated reply replaces what the client showed), so the deltas are always a prefix of one text.
 */
export class ReplyDeltaStream {
  private readonly logger = new Logger(ReplyDeltaStream.name);
  private sent = '';
  private diverged = false;

  constructor(private readonly onDelta?: (text: string) => void) {}

  get enabled(): boolean {
    return this.onDelta !== undefined && !this.diverged;
  }

  /** The reply text so far, as the current attempt has written it. */
  update(text: string): void {
    if (!this.onDelta || this.diverged) return;
    if (text.startsWith(this.sent)) {
      const delta = text.slice(this.sent.length);
      if (delta.length === 0) return;
      this.sent = text;
      try {
        this.onDelta(delta);
      } catch (error) {
        // Deltas are best effort (display only): a failing listener must not fail the model call.
        this.logger.warn(`onReplyDelta failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (!this.sent.startsWith(text)) {
      this.diverged = true;
    }
  }
}
