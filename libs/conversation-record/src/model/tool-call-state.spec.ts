import { applyToolCallFact, type ToolCallFact, type ToolCallState } from './tool-call-state';

const t = (second: number): Date => new Date(Date.UTC(2025, 0, 15, 10, 0, second));

const requested: ToolCallFact = {
  kind: 'requested',
  tool: 'crm.lookup',
  arguments: { query: 'Acme' },
  requestedAt: t(1),
};
const completed: ToolCallFact = {
  kind: 'completed',
  tool: 'crm.lookup',
  result: { accounts: 1 },
  durationMs: 20,
  completedAt: t(2),
};
const failed = (second: number): ToolCallFact => ({
  kind: 'failed',
  tool: 'crm.lookup',
  error: { code: 'timeout', message: 'slow', retryable: true },
  durationMs: 5000,
  failedAt: t(second),
});

const applyAll = (facts: ToolCallFact[]): ToolCallState | undefined =>
  facts.reduce<ToolCallState | undefined>(applyToolCallFact, undefined);

describe('applyToolCallFact', () => {
  it('records a request, then its completion', () => {
    expect(applyAll([requested, completed])).toEqual({
      tool: 'crm.lookup',
      status: 'completed',
      arguments: { query: 'Acme' },
      result: { accounts: 1 },
      error: null,
      durationMs: 20,
      requestedAt: t(1),
      finishedAt: t(2),
    });
  });

  it('gives the same record when the completion arrives before the request', () => {
    expect(applyAll([completed, requested])).toEqual(applyAll([requested, completed]));
  });

  it('stores an outcome without a request, with the request columns empty', () => {
    expect(applyAll([failed(3)])).toMatchObject({ status: 'failed', arguments: null, requestedAt: null });
  });

  it('returns the same object when a duplicate changes nothing', () => {
    const state = applyAll([requested, completed]);
    expect(applyToolCallFact(state, completed)).toBe(state);
    expect(applyToolCallFact(state, requested)).toBe(state);
  });

  it('never overwrites a newer outcome with an older one', () => {
    const retriedThenOld = applyAll([requested, completed, failed(1)]);
    expect(retriedThenOld?.status).toBe('completed');
  });

  it('lets a later outcome (a retried call) replace an earlier one', () => {
    const state = applyAll([requested, failed(1), completed]);
    expect(state).toMatchObject({ status: 'completed', error: null, result: { accounts: 1 } });
  });

  it('keeps the first request stored', () => {
    const state = applyAll([requested, { ...requested, arguments: { query: 'other' }, requestedAt: t(5) }]);
    expect(state).toMatchObject({ arguments: { query: 'Acme' }, requestedAt: t(1), status: 'requested' });
  });
});
