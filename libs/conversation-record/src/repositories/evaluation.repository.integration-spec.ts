import { newId, type EvaluationCompletedData } from '@lib/contracts';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { PERSISTENCE_DATABASE, PERSISTENCE_SCHEMA } from '../index';
import { EvaluationRepository } from './evaluation.repository';

const base = (): EvaluationCompletedData => ({
  conversationId: newId(),
  turnId: newId(),
  replyId: newId(),
  evaluationId: newId(),
  scores: { groundedness: 0.5, grounded: false, citationValidity: 1, schemaValid: true },
  latency: { totalMs: 260, stages: { queue: 40, total: 260 } },
  promptVersion: 'v1',
  evaluator: { name: 'rule-based-evaluator', version: '2' },
  evaluatedAt: '2026-11-24T10:00:01.000Z',
});

describe('EvaluationRepository (persistence) on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let repository: EvaluationRepository;

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    repository = new EvaluationRepository(db.uow);
  });
  afterAll(async () => {
    await db?.close();
  });

  const row = async (id: string): Promise<Record<string, unknown>> => {
    const rows: Record<string, unknown>[] = await db.dataSource.query(
      `SELECT "relevance"::float8 AS "relevance", "policy_flags", "judge", "model", "input_tokens",
              "output_tokens", "cost_usd"::float8 AS "cost_usd"
       FROM "${PERSISTENCE_SCHEMA}"."evaluations" WHERE "id" = $1`,
      [id],
    );
    return rows[0];
  };

  it('stores relevance, policy flags, judge, model, tokens and cost in their columns', async () => {
    const flags = [
      {
        kind: 'unbacked_commitment' as const,
        severity: 'critical' as const,
        evidence: '40%',
        where: 'reply' as const,
      },
    ];
    const data: EvaluationCompletedData = {
      ...base(),
      scores: { ...base().scores, relevance: 0.75 },
      policy: { flags },
      judge: { model: 'claude-test', groundedness: 0.5, relevance: 0.9, verdict: 'fail', rationale: 'why' },
      usage: { inputTokens: 40, outputTokens: 25, costUsd: 0.0012 },
      model: { provider: 'anthropic', name: 'claude-test', promptVersion: 'v1' },
    };
    expect(await db.uow.run(() => repository.insert('tenant-a', data))).toBe(true);
    expect(await row(data.evaluationId)).toEqual({
      relevance: 0.75,
      policy_flags: flags,
      judge: data.judge,
      model: data.model,
      input_tokens: 40,
      output_tokens: 25,
      cost_usd: 0.0012,
    });
    const [entity] = await db.uow.run(() => repository.listByConversation('tenant-a', data.conversationId));
    expect(entity).toMatchObject({ relevance: 0.75, policyFlags: flags, costUsd: 0.0012, inputTokens: 40 });
  });

  it('leaves the columns NULL for an evaluation without the optional fields', async () => {
    const data = base();
    expect(await db.uow.run(() => repository.insert('tenant-a', data))).toBe(true);
    expect(await row(data.evaluationId)).toEqual({
      relevance: null,
      policy_flags: null,
      judge: null,
      model: null,
      input_tokens: null,
      output_tokens: null,
      cost_usd: null,
    });
  });
});
