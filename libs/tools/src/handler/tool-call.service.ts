import { Injectable } from '@nestjs/common';
import { deriveId, ToolCompleted, ToolFailed, type EnvelopeOf, type ToolRequested } from '@lib/contracts';
import { EventPublisher } from '@lib/messaging';
import { ToolExecutor, type ToolOutcome } from '../execution/tool-executor';

/**
 * Answers a tool request: runs the call through the executor and publishes its outcome, in the same
 * transaction as the audit row. Event ids are derived from the toolCallId, so a replayed outcome is the
 * same event again and the orchestrator's inbox drops the duplicate.
 */
@Injectable()
export class ToolCallService {
  constructor(
    private readonly executor: ToolExecutor,
    private readonly events: EventPublisher,
  ) {}

  async handle(request: EnvelopeOf<typeof ToolRequested>): Promise<ToolOutcome> {
    const { conversationId, turnId, toolCallId, tool } = request.data;
    const ref = { conversationId, turnId, toolCallId, tool };
    return this.executor.execute(
      {
        toolCallId,
        tool,
        tenantId: request.tenantid,
        arguments: request.data.arguments,
        conversationId,
        turnId,
      },
      async (outcome) => {
        if (outcome.status === 'completed') {
          await this.events.publish(
            ToolCompleted,
            {
              ...ref,
              result: outcome.result,
              durationMs: outcome.durationMs,
              completedAt: outcome.finishedAt.toISOString(),
            },
            { tenantId: request.tenantid, id: deriveId(toolCallId, 'completed'), causation: request },
          );
        } else {
          await this.events.publish(
            ToolFailed,
            {
              ...ref,
              error: outcome.error,
              durationMs: outcome.durationMs,
              failedAt: outcome.finishedAt.toISOString(),
            },
            { tenantId: request.tenantid, id: deriveId(toolCallId, 'failed'), causation: request },
          );
        }
      },
    );
  }
}
