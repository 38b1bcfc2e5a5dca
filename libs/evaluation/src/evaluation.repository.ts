import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { JudgeResult, PolicyFlag, type ModelInfo } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { lockAndCheckDeleted } from './deletion/deleted-conversations';

export interface EvaluationRecord {
  readonly evaluationId: string;
  readonly replyId: string;
  readonly conversationId: string;
  readonly turnId: string;
  readonly tenantId: string;
  readonly groundedness: number;
  readonly grounded: boolean;
  readonly citationValidity: number;
  readonly schemaValid: boolean;
  readonly totalMs: number;
  readonly latency: Record<string, number>;
  /** Claims and their support, schema issues: why the scores are what they are. */
  readonly details: Record<string, unknown>;
  readonly promptVersion: string;
  readonly model: ModelInfo;
  readonly evaluatedAt: Date;
  /** Relevance to the prospect's message; undefined when the message was not received before the reply. */
  readonly relevance?: number;
  readonly policyFlags: readonly PolicyFlag[];
  readonly judge?: JudgeResult;
  readonly usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
}

const Row = z.object({
  evaluation_id: z.string(),
  reply_id: z.string(),
  conversation_id: z.string(),
  turn_id: z.string(),
  tenant_id: z.string(),
  groundedness: z.number(),
  grounded: z.boolean(),
  citation_validity: z.number(),
  schema_valid: z.boolean(),
  total_ms: z.number(),
  latency: z.record(z.string(), z.number()),
  details: z.record(z.string(), z.unknown()),
  prompt_version: z.string(),
  model: z.object({ provider: z.string(), name: z.string(), promptVersion: z.string() }),
  evaluated_at: z.date(),
  relevance: z.number().nullable(),
  policy_flags: z.array(PolicyFlag),
  judge: JudgeResult.nullable(),
  usage: z
    .object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number().optional() })
    .nullable(),
});

const TABLE = '"evaluator"."evaluations"';

@Injectable()
export class EvaluationRepository {
  constructor(private readonly uow: UnitOfWork) {}

  inTransaction<T>(work: () => Promise<T>): Promise<T> {
    return this.uow.run(() => work());
  }

  /** Locks the conversation until the transaction ends; true when it was deleted (nothing to evaluate). */
  isConversationDeleted(conversationId: string): Promise<boolean> {
    return lockAndCheckDeleted(this.uow.manager, conversationId);
  }

  /** Stores the evaluation; false when the reply was already evaluated. */
  async insert(e: EvaluationRecord): Promise<boolean> {
    const rows: unknown[] = await this.uow.manager.query(
      `INSERT INTO ${TABLE} ("evaluation_id", "reply_id", "conversation_id", "turn_id", "tenant_id", "groundedness",
         "grounded", "citation_validity", "schema_valid", "total_ms", "latency", "details", "prompt_version",
         "model", "evaluated_at", "relevance", "policy_flags", "judge", "usage")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
       ON CONFLICT DO NOTHING RETURNING "evaluation_id"`,
      [
        e.evaluationId,
        e.replyId,
        e.conversationId,
        e.turnId,
        e.tenantId,
        e.groundedness,
        e.grounded,
        e.citationValidity,
        e.schemaValid,
        e.totalMs,
        JSON.stringify(e.latency),
        JSON.stringify(e.details),
        e.promptVersion,
        JSON.stringify(e.model),
        e.evaluatedAt,
        e.relevance ?? null,
        JSON.stringify(e.policyFlags),
        e.judge === undefined ? null : JSON.stringify(e.judge),
        e.usage === undefined ? null : JSON.stringify(e.usage),
      ],
    );
    return rows.length > 0;
  }

  async findByReply(replyId: string): Promise<EvaluationRecord | undefined> {
    const rows: unknown[] = await this.uow.manager.query(`SELECT * FROM ${TABLE} WHERE "reply_id" = $1`, [
      replyId,
    ]);
    if (rows.length === 0) return undefined;
    const r = Row.parse(rows[0]);
    return {
      evaluationId: r.evaluation_id,
      replyId: r.reply_id,
      conversationId: r.conversation_id,
      turnId: r.turn_id,
      tenantId: r.tenant_id,
      groundedness: r.groundedness,
      grounded: r.grounded,
      citationValidity: r.citation_validity,
      schemaValid: r.schema_valid,
      totalMs: r.total_ms,
      latency: r.latency,
      details: r.details,
      promptVersion: r.prompt_version,
      model: r.model,
      evaluatedAt: r.evaluated_at,
      policyFlags: r.policy_flags,
      ...(r.relevance === null ? {} : { relevance: r.relevance }),
      ...(r.judge === null ? {} : { judge: r.judge }),
      ...(r.usage === null ? {} : { usage: r.usage }),
    };
  }

  async countByReply(replyId: string): Promise<number> {
    const rows: { count: string }[] = await this.uow.manager.query(
      `SELECT count(*)::text AS "count" FROM ${TABLE} WHERE "reply_id" = $1`,
      [replyId],
    );
    return Number(rows[0]?.count ?? 0);
  }
}
