import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedSystem } from '@lib/runtime/embedded';

/**
 * End-to-end turn latency: `POST /v1/conversations/{id}/turns?wait=30` until the reply, as a client sees it,
 * with `concurrency` conversations in parallel. Starts the embedded system in a temporary data dir, or measures
 * a running gateway with --url and --key (e.g. the distributed mode).
 *
 *   npm run bench:turns -- --turns 200 --concurrency 4
 */
const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    url: { type: 'string' },
    key: { type: 'string' },
  },
});
const totalTurns = Number(values.turns);
const concurrency = Number(values.concurrency);
const QUESTIONS = [
  'How much does PostHog cost for a team of 20?',
  'Do you offer annual plans with a discount?',
  'We already use Mixpanel, why switch?',
  'Is PostHog HIPAA compliant, can you sign a BAA?',
  'Can we get a refund if we cancel early?',
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function post(
  url: string,
  key: string,
  body: unknown,
): Promise<{ status: number; json: { id?: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { id?: string } };
}

async function main(): Promise<void> {
  const dataDir = values.url ? undefined : mkdtempSync(join(tmpdir(), 'bench-'));
  if (dataDir) {
    process.env.DATA_DIR = dataDir;
    process.env.PORT = '0';
    process.env.LOG_LEVEL = 'warn';
    process.env.EMBEDDED_POSTGRES_PORT ??= '54390';
  }
  const system = dataDir ? await startEmbeddedSystem() : undefined;
  const base = values.url ?? system?.gatewayUrl ?? '';
  const key = values.key ?? system?.developmentApiKey ?? '';
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = Date.now();

  const worker = async (): Promise<void> => {
    const conversation = await post(`${base}/v1/conversations`, key, {
      mode: 'autonomous',
      prospect: { email: 'maya.chen@northwindpay.com' },
    });
    for (let i = next++; i < totalTurns; i = next++) {
      const t0 = performance.now();
      const res = await post(`${base}/v1/conversations/${conversation.json.id}/turns?wait=30`, key, {
        role: 'prospect',
        text: QUESTIONS[i % QUESTIONS.length],
      });
      if (res.status === 200) latencies.push(performance.now() - t0);
      else failures += 1;
      const done = latencies.length + failures;
      if (done % Math.max(1, Math.floor(totalTurns / 10)) === 0) {
        process.stderr.write(`[bench] ${done}/${totalTurns} turns\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const seconds = (Date.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const summary = {
    mode: values.url ? `gateway ${base}` : 'embedded',
    turns: totalTurns,
    concurrency,
    failures,
    turnsPerSecond: Number((latencies.length / seconds).toFixed(1)),
    latencyMs: {
      p50: Math.round(percentile(sorted, 50)),
      p95: Math.round(percentile(sorted, 95)),
      p99: Math.round(percentile(sorted, 99)),
      max: Math.round(sorted.at(-1) ?? 0),
    },
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  await system?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`);
  process.exit(1);
});
