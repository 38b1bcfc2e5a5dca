import { Inject, Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { interactionLogRecord, type Interaction, type KnownNames } from '@lib/privacy';
import { UnitOfWork } from '@lib/database';

/** `text`: ids, lengths and the redacted text; `metadata`: the same without any text; `off`: nothing. */
export const InteractionLogConfigSchema = z.object({
  INTERACTION_LOG: z
    .enum(['text', 'metadata', 'off'])
    .default('text')
    .describe('Interaction log of persistence: redacted text, metadata only, or off'),
});
export type InteractionLogConfig = z.infer<typeof InteractionLogConfigSchema>;
export const INTERACTION_LOG_CONFIG = Symbol('INTERACTION_LOG_CONFIG');

/**
 * The interaction log for analysis: one structured JSON line per interaction the record stored for the first
 * time (a turn, a reply, a failure), with tenant, conversation and turn ids, role, lengths, redaction counts,
 * the trace and span ids of the event's processing, and the text with PII replaced. Written after the unit of
 * work commits, so a rolled-back or duplicate write logs nothing. The raw text never reaches the log.
 */
@Injectable()
export class InteractionLog {
  private readonly logger = new Logger('Interactions');

  constructor(
    private readonly uow: UnitOfWork,
    @Inject(INTERACTION_LOG_CONFIG) private readonly config: InteractionLogConfig,
  ) {}

  /** Logs `interaction` once the active unit of work commits. */
  record(interaction: Interaction & { readonly names?: KnownNames }): void {
    if (this.config.INTERACTION_LOG === 'off') return;
    // Built now, inside the event's span, so the record carries its trace id.
    const record = interactionLogRecord(interaction, {
      maxTextLength: this.config.INTERACTION_LOG === 'text' ? undefined : 0,
    });
    this.uow.afterCommit(() => this.logger.log(record));
  }
}
