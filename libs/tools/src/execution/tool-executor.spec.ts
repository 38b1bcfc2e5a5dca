import { z } from 'zod';
import {
  defineToolSpec,
  implementTool,
  ToolExecutionError,
  type Tool,
  type ToolContext,
} from '../registry/tool';
import { ToolRegistry } from '../registry/tool-registry';
import {
  ToolExecutionStore,
  type FinishedToolExecution,
  type NewToolExecution,
  type ToolExecutionRecord,
} from './tool-execution.store';
import { ToolExecutor, type ToolCallRequest } from './tool-executor';

/** The store's contract without a database: enough to test the executor's decisions. */
class InMemoryToolExecutionStore extends ToolExecutionStore {
  readonly records = new Map<string, ToolExecutionRecord>();
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  async claim(execution: NewToolExecution): Promise<ToolExecutionRecord | undefined> {
    const existing = this.records.get(execution.id);
    if (existing) return existing;
    this.records.set(execution.id, {
      ...execution,
      status: 'running',
      result: null,
      error: null,
      durationMs: null,
      finishedAt: null,
    });
    return undefined;
  }
  async finish(id: string, outcome: FinishedToolExecution): Promise<void> {
    const record = this.records.get(id);
    if (!record) throw new Error('not claimed');
    this.records.set(id, {
      ...record,
      status: outcome.status,
      result: outcome.status === 'completed' ? outcome.result : null,
      error: outcome.status === 'failed' ? outcome.error : null,
      durationMs: outcome.durationMs,
      finishedAt: outcome.finishedAt,
    });
  }
  async isolate<T>(_timeoutMs: number, work: () => Promise<T>): Promise<T> {
    return work();
  }
}

const EchoSpec = defineToolSpec({
  name: 'echo',
  version: '1',
  description: 'Echoes its arguments back, with the tenant it ran for.',
  arguments: z.strictObject({ text: z.string().min(1).max(20), repeat: z.int().min(1).max(1000).default(1) }),
  result: z.object({ tenant: z.string(), items: z.array(z.string()), truncated: z.boolean().optional() }),
});

describe('ToolExecutor', () => {
  let store: InMemoryToolExecutionStore;
  let calls: { args: unknown; context: ToolContext }[];
  let behaviour: (args: { text: string; repeat: number }, context: ToolContext) => Promise<unknown>;
  let executor: ToolExecutor;

  const echo: Tool = implementTool(EchoSpec, async (args, context) => {
    calls.push({ args, context });
    return behaviour(args, context) as never;
  });

  let n = 0;
  const request = (overrides: Partial<ToolCallRequest> = {}): ToolCallRequest => ({
    toolCallId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    tenantId: 'tenant-a',
    tool: 'echo',
    arguments: { text: 'hello' },
    ...overrides,
  });

  beforeEach(() => {
    store = new InMemoryToolExecutionStore();
    calls = [];
    behaviour = async (args, context) => ({
      tenant: context.tenantId,
      items: Array.from({ length: args.repeat }, () => args.text),
    });
    executor = new ToolExecutor(new ToolRegistry([echo]), store, { timeoutMs: 200, maxResultBytes: 2048 });
  });

  it('runs a valid call with the defaults applied and records it as completed', async () => {
    const req = request();
    const outcome = await executor.execute(req);
    expect(outcome).toMatchObject({
      status: 'completed',
      replayed: false,
      result: { tenant: 'tenant-a', items: ['hello'] },
    });
    expect(calls[0].args).toEqual({ text: 'hello', repeat: 1 });
    expect(store.records.get(req.toolCallId)).toMatchObject({
      status: 'completed',
      tenantId: 'tenant-a',
      tool: 'echo',
    });
  });

  it('rejects invalid arguments naming the field, without running the tool, not retryable', async () => {
    const req = request({ arguments: { text: 'x'.repeat(21) } });
    const outcome = await executor.execute(req);
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.error.code).toBe('invalid_arguments');
    expect(outcome.error.message).toMatch(/^invalid arguments: text: /);
    expect(outcome.error.retryable).toBe(false);
    expect(calls).toHaveLength(0);
    expect(store.records.get(req.toolCallId)?.status).toBe('failed');
  });

  it('takes the tenant from the envelope: a tenantId in the arguments is rejected, never used', async () => {
    const outcome = await executor.execute(request({ arguments: { text: 'hi', tenantId: 'tenant-b' } }));
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'invalid_arguments' } });
    if (outcome.status === 'failed') expect(outcome.error.message).toContain('tenantId');
    expect(calls).toHaveLength(0);
  });

  it('fails an unknown tool with unknown_tool, listing the available ones', async () => {
    const outcome = await executor.execute(request({ tool: 'crm_delete_everything' }));
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'unknown_tool', retryable: false } });
    if (outcome.status === 'failed') expect(outcome.error.message).toContain('available: echo');
  });

  it('times out a slow tool (retryable) and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    behaviour = (_args, context) => {
      signal = context.signal;
      return new Promise((resolve) => setTimeout(() => resolve({ tenant: 'late', items: [] }), 1000));
    };
    const once = new ToolExecutor(new ToolRegistry([echo]), store, {
      timeoutMs: 200,
      maxResultBytes: 2048,
      transientRetries: 0,
    });
    const outcome = await once.execute(request());
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'timeout', retryable: true } });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(190);
    expect(signal?.aborted).toBe(true);
  });

  it('retries transient failures with backoff, never permanent ones', async () => {
    const retrying = new ToolExecutor(new ToolRegistry([echo]), store, {
      timeoutMs: 200,
      maxResultBytes: 2048,
      transientRetries: 2,
      retryDelayMs: 1,
    });
    let calls = 0;
    behaviour = async () => {
      calls += 1;
      if (calls < 3) throw new ToolExecutionError('upstream_busy', 'try again', true);
      return { tenant: 'tenant-a', items: [] };
    };
    expect(await retrying.execute(request())).toMatchObject({ status: 'completed' });
    expect(calls).toBe(3);

    calls = 0;
    behaviour = async () => {
      calls += 1;
      throw new ToolExecutionError('not_allowed', 'writes need approval', false);
    };
    expect(
      await retrying.execute(request({ toolCallId: '00000000-0000-4000-8000-0000000000aa' })),
    ).toMatchObject({
      status: 'failed',
      error: { code: 'not_allowed' },
    });
    expect(calls).toBe(1);

    calls = 0;
    behaviour = async () => {
      calls += 1;
      throw new ToolExecutionError('upstream_busy', 'still busy', true);
    };
    expect(
      await retrying.execute(request({ toolCallId: '00000000-0000-4000-8000-0000000000ab' })),
    ).toMatchObject({
      status: 'failed',
      error: { code: 'upstream_busy', retryable: true },
    });
    expect(calls).toBe(3);
  });

  it('passes a ToolExecutionError through, and hides unexpected errors from the model', async () => {
    behaviour = async () => {
      throw new ToolExecutionError('not_allowed', 'writes need approval', false);
    };
    expect(await executor.execute(request())).toMatchObject({
      status: 'failed',
      error: { code: 'not_allowed', message: 'writes need approval', retryable: false },
    });
    behaviour = async () => {
      throw new Error('connection to 10.0.0.5:5432 refused, password=hunter2');
    };
    const outcome = await executor.execute(request());
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'tool_error', retryable: true } });
    if (outcome.status === 'failed') expect(outcome.error.message).not.toContain('hunter2');
  });

  it('fails a result that does not match the result schema', async () => {
    behaviour = async () => ({ tenant: 42 });
    expect(await executor.execute(request())).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_result', retryable: false },
    });
  });

  it('caps a large result and flags it truncated', async () => {
    const outcome = await executor.execute(request({ arguments: { text: 'abcdefghij', repeat: 1000 } }));
    expect(outcome.status).toBe('completed');
    if (outcome.status !== 'completed') return;
    const result = outcome.result as { items: string[]; truncated?: boolean; tenant: string };
    expect(result.truncated).toBe(true);
    expect(result.tenant).toBe('tenant-a');
    expect(result.items.length).toBeGreaterThan(50);
    expect(result.items.length).toBeLessThan(1000);
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(2048);
  });

  it('does not run a redelivered call again: the stored outcome is replayed', async () => {
    const req = request();
    const first = await executor.execute(req);
    const second = await executor.execute(req);
    expect(calls).toHaveLength(1);
    expect(second).toMatchObject({ status: 'completed', replayed: true });
    if (first.status === 'completed' && second.status === 'completed') {
      expect(second.result).toEqual(first.result);
      expect(second.finishedAt).toEqual(first.finishedAt);
    }
    const failed = request({ arguments: {} });
    await executor.execute(failed);
    expect(await executor.execute(failed)).toMatchObject({
      status: 'failed',
      replayed: true,
      error: { code: 'invalid_arguments' },
    });
  });

  it('never hands a stored result to another tenant reusing the same toolCallId', async () => {
    const req = request();
    await executor.execute(req);
    const outcome = await executor.execute({ ...req, tenantId: 'tenant-b' });
    expect(outcome).toMatchObject({ status: 'failed', replayed: false, error: { code: 'conflict' } });
    expect(JSON.stringify(outcome)).not.toContain('tenant-a');
    expect(calls).toHaveLength(1);
  });

  it('announces the outcome inside the same transaction, for fresh and replayed calls', async () => {
    const announced: string[] = [];
    const req = request();
    await executor.execute(req, async (o) => void announced.push(`${o.status}:${o.replayed}`));
    await executor.execute(req, async (o) => void announced.push(`${o.status}:${o.replayed}`));
    expect(announced).toEqual(['completed:false', 'completed:true']);
  });
});
