import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createParser } from 'eventsource-parser';
import { startEmbeddedSystem, type EmbeddedSystem } from '@lib/runtime/embedded';
import {
  AnthropicTestServer,
  currentUserText,
  knowledgeSourceIdsIn,
  salesTurnOutcome,
  scripted,
  toolResultsOf,
  type MessagesRequest,
  type ScriptedResponse,
} from '@lib/testing';

/**
 * What the pipeline adds to the model's time to first token. The embedded system runs in-process with the
 * orchestrator on Claude, i.e. the real @anthropic-ai/sdk talking over HTTP to the Anthropic-compatible test
 * server (also in-process). Each prospect turn is one tool round (CRM lookup + knowledge search, answered at
 * once) then the final `submit_turn_outcome` call, streamed slowly: its first reply-text token is written
 * `--model-ttft-ms` after the request arrived, then one chunk every `--chunk-ms`.
 *
 * Client side (one SSE stream on the conversation): t0 = POST of the turn, first `reply.delta`, `reply.generated`.
 * Server side: when the model's first and final requests of the turn arrived.
 *
 *   streamOverhead = firstDelta − finalModelRequest − modelTtft   (SDK parse → orchestrator → bus → gateway → SSE)
 *   turnOverhead   = firstDelta − t0 − modelTtft                  (everything but the model's own TTFT)
 *
 *   npm run build && npm run bench:ttft -- --turns 30 --model-ttft-ms 300 --chunk-ms 20
 */
const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '2' },
    'model-ttft-ms': { type: 'string', default: '300' },
    'chunk-ms': { type: 'string', default: '20' },
    'json-chunk-chars': { type: 'string', default: '8' },
    'turn-timeout-ms': { type: 'string', default: '30000' },
    'startup-timeout-ms': { type: 'string', default: '180000' },
    /** Also write the JSON summary here (the system's warn logs share stdout). */
    out: { type: 'string' },
  },
});

function intOption(name: keyof typeof values, min: number): number {
  const raw = values[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return value;
}

const FINAL_TOOL = 'submit_turn_outcome';
const QUESTIONS = [
  'How much does PostHog cost for a team of 20?',
  'Do you offer annual plans with a discount?',
  'We already use Mixpanel, why switch?',
  'Is PostHog HIPAA compliant, can you sign a BAA?',
  'Can we get a refund if we cancel early?',
];
const TURN_MARKER = /bench turn (\d+)/g;
/** The final tool's input starts with the reply text: the test server streams `JSON.stringify(input)`. */
const REPLY_PREFIX = '{"reply":{"text":"';
/** SSE events before the tool input's first JSON chunk: message_start, content_block_start, ping, empty delta. */
const EVENTS_BEFORE_JSON = 4;
/** Events after the JSON chunks: content_block_stop, message_delta, message_stop. */
const EVENTS_AFTER_JSON = 3;

const progress = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

// ---------------------------------------------------------------------------------------------------------------
// The scripted model

interface ModelTimeline {
  firstRequestAt?: number;
  finalRequestAt?: number;
  /** When the server is scheduled to write the first event carrying reply text, and the last event. */
  replyTokenAt?: number;
  streamEndAt?: number;
  requests: number;
  /** The final outcome cited a retrieved knowledge passage. */
  cited?: boolean;
}

interface ModelScript {
  readonly modelTtftMs: number;
  readonly chunkMs: number;
  readonly jsonChunkChars: number;
  /** Index of the SSE event that carries the first characters of the reply text. */
  readonly replyEventIndex: number;
  /** Delay before `message_start`, so that the reply event is written `modelTtftMs` after the request. */
  readonly firstEventDelayMs: number;
}

function modelScript(modelTtftMs: number, chunkMs: number, jsonChunkChars: number): ModelScript {
  const replyEventIndex = EVENTS_BEFORE_JSON + Math.floor(REPLY_PREFIX.length / jsonChunkChars);
  const firstEventDelayMs = modelTtftMs - replyEventIndex * chunkMs;
  if (firstEventDelayMs < 0) {
    throw new Error(
      `--model-ttft-ms ${modelTtftMs} is shorter than the ${replyEventIndex} chunks before the reply text ` +
        `(${replyEventIndex * chunkMs} ms): lower --chunk-ms or raise --json-chunk-chars`,
    );
  }
  return { modelTtftMs, chunkMs, jsonChunkChars, replyEventIndex, firstEventDelayMs };
}

/** One tool round answered at once, then the final outcome as a paced stream; records when each arrived. */
function responder(script: ModelScript, timelines: Map<number, ModelTimeline>) {
  return (request: MessagesRequest): ScriptedResponse => {
    const now = performance.now();
    const marker = [...currentUserText(request).matchAll(TURN_MARKER)].at(-1)?.[1];
    if (marker === undefined) return scripted.error(400, { message: 'bench: no turn marker in the request' });
    const turn = Number(marker);
    const timeline = timelines.get(turn) ?? { requests: 0 };
    timelines.set(turn, timeline);
    timeline.requests += 1;
    if (toolResultsOf(request).length === 0) {
      timeline.firstRequestAt ??= now;
      return scripted.toolUse([
        { name: 'crm_lookup_prospect', input: { email: 'maya.chen@northwindpay.com' } },
        { name: 'knowledge_search', input: { query: 'pricing annual plan discount', limit: 4 } },
      ]);
    }
    const sourceId = knowledgeSourceIdsIn(request)[0];
    const cite = sourceId ? ` [${sourceId}]` : '';
    const input = salesTurnOutcome(
      `Great question, Maya. PostHog prices by usage, so a team of 20 only pays for what it tracks, and ` +
        `annual plans come with a discount${cite}. Happy to walk you through a quote for your volume.`,
      sourceId,
    );
    const json = JSON.stringify(input);
    if (!json.startsWith(REPLY_PREFIX)) throw new Error('bench: the outcome must start with reply.text');
    const events =
      EVENTS_BEFORE_JSON + Math.ceil(Array.from(json).length / script.jsonChunkChars) + EVENTS_AFTER_JSON;
    timeline.finalRequestAt = now;
    timeline.cited = sourceId !== undefined;
    timeline.replyTokenAt = now + script.modelTtftMs;
    timeline.streamEndAt = now + script.firstEventDelayMs + (events - 1) * script.chunkMs;
    return scripted.slow(
      scripted.finalToolCall(FINAL_TOOL, input, { jsonChunkSize: script.jsonChunkChars }),
      script.chunkMs,
      script.firstEventDelayMs,
    );
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The client: one SSE stream, arrival times per turn

interface TurnEvents {
  firstDeltaAt?: number;
  deltas: number;
  generatedAt?: number;
  failedAt?: number;
  failure?: string;
}

interface SsePayload {
  data?: { turnId?: unknown; code?: unknown; message?: unknown };
}

class ConversationStream {
  private readonly turns = new Map<string, TurnEvents>();
  private readonly waiters = new Map<string, () => void>();
  private readonly controller = new AbortController();
  private closed = false;

  static async open(baseUrl: string, key: string, conversationId: string): Promise<ConversationStream> {
    const stream = new ConversationStream();
    const res = await fetch(`${baseUrl}/v1/conversations/${conversationId}/events`, {
      headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
      signal: stream.controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`SSE: HTTP ${res.status} ${await res.text()}`);
    const parser = createParser({ onEvent: (e) => stream.onEvent(e.event ?? '', e.data, performance.now()) });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
        if (!stream.closed) progress('SSE stream ended by the server');
      } catch (error) {
        if (!stream.closed) progress(`SSE stream failed: ${String(error)}`);
      }
    })();
    return stream;
  }

  /** Resolves with the turn's events once `reply.generated` or `turn.failed` arrived; rejects on timeout. */
  async finished(turnId: string, timeoutMs: number): Promise<TurnEvents> {
    const done = (): TurnEvents | undefined => {
      const events = this.turns.get(turnId);
      return events?.generatedAt !== undefined || events?.failedAt !== undefined ? events : undefined;
    };
    const already = done();
    if (already) return already;
    const timeout = AbortSignal.timeout(timeoutMs);
    await new Promise<void>((resolve, reject) => {
      const onTimeout = (): void => {
        this.waiters.delete(turnId);
        reject(new Error(`turn ${turnId}: no reply.generated nor turn.failed within ${timeoutMs} ms`));
      };
      timeout.addEventListener('abort', onTimeout, { once: true });
      this.waiters.set(turnId, () => {
        timeout.removeEventListener('abort', onTimeout);
        resolve();
      });
    });
    return done() ?? { deltas: 0 };
  }

  close(): void {
    this.closed = true;
    this.controller.abort();
  }

  private onEvent(name: string, data: string, at: number): void {
    let payload: SsePayload;
    try {
      payload = JSON.parse(data) as SsePayload;
    } catch {
      return;
    }
    const turnId = payload.data?.turnId;
    if (typeof turnId !== 'string') return;
    const events = this.turns.get(turnId) ?? { deltas: 0 };
    this.turns.set(turnId, events);
    if (name === 'reply.delta') {
      events.firstDeltaAt ??= at;
      events.deltas += 1;
    } else if (name === 'reply.generated') {
      events.generatedAt ??= at;
    } else if (name === 'turn.failed') {
      events.failedAt ??= at;
      events.failure = `${String(payload.data?.code)}: ${String(payload.data?.message)}`;
    } else {
      return;
    }
    if (events.generatedAt !== undefined || events.failedAt !== undefined) {
      const waiter = this.waiters.get(turnId);
      this.waiters.delete(turnId);
      waiter?.();
    }
  }
}

async function post(
  url: string,
  key: string,
  body: unknown,
): Promise<{ status: number; json: { id?: string; turnId?: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as { id?: string; turnId?: string } };
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics

interface TurnSample {
  /** POST → the turn's first model request (gateway, bus, orchestrator, context assembly, SDK). */
  intakeMs: number;
  /** First model request → final model request (an instant model answer, tools run, results fed back). */
  toolRoundMs: number;
  /** Client-observed time to first `reply.delta`, from the POST. */
  timeToFirstDeltaMs: number;
  /** First delta − when the model wrote its first reply token. */
  streamOverheadMs: number;
  /** Time to first delta − the model's TTFT (the tool round's model answer is instant). */
  turnOverheadMs: number;
  /** First delta → `reply.generated`. */
  firstDeltaToReplyMs: number;
  /** `reply.generated` − the end of the model's stream (validation, persistence, outbox, relay). */
  replyAfterStreamEndMs: number;
  deltas: number;
}

interface Stats {
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const round = (n: number): number => Math.round(n * 10) / 10;
  return {
    p50: round(at(50)),
    p95: round(at(95)),
    mean: round(sorted.reduce((s, n) => s + n, 0) / Math.max(1, sorted.length)),
    min: round(sorted[0] ?? 0),
    max: round(sorted.at(-1) ?? 0),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      work,
      sleep(ms, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`${what} took more than ${ms} ms`);
      }),
    ]);
  } finally {
    timeout.abort();
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const turns = intOption('turns', 1);
  const warmup = intOption('warmup', 0);
  const turnTimeoutMs = intOption('turn-timeout-ms', 1000);
  const script = modelScript(
    intOption('model-ttft-ms', 0),
    intOption('chunk-ms', 0),
    intOption('json-chunk-chars', 1),
  );

  const anthropic = new AnthropicTestServer();
  const timelines = new Map<number, ModelTimeline>();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-ttft-'));
  let system: EmbeddedSystem | undefined;
  let stream: ConversationStream | undefined;
  try {
    const anthropicUrl = await anthropic.start();
    anthropic.script(responder(script, timelines));
    Object.assign(process.env, {
      ANTHROPIC_API_KEY: 'bench',
      ANTHROPIC_BASE_URL: anthropicUrl,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    });
    progress(`starting the embedded system (model: Anthropic test server at ${anthropicUrl})`);
    const starting = startEmbeddedSystem();
    // A start that only finishes after the timeout is still stopped.
    const stopLate = (): void => {
      starting.then((late) => late.stop()).catch(() => undefined);
    };
    try {
      system = await withTimeout(starting, intOption('startup-timeout-ms', 1000), 'starting the system');
    } catch (error) {
      stopLate();
      throw error;
    }
    const base = system.gatewayUrl;
    const key = system.developmentApiKey;

    const conversation = await post(`${base}/v1/conversations`, key, {
      mode: 'autonomous',
      prospect: { email: 'maya.chen@northwindpay.com' },
    });
    if (conversation.status !== 201 || !conversation.json.id) {
      throw new Error(`creating the conversation: HTTP ${conversation.status}`);
    }
    stream = await ConversationStream.open(base, key, conversation.json.id);
    progress(
      `${warmup} warm-up + ${turns} turns; model TTFT ${script.modelTtftMs} ms, ` +
        `then a chunk every ${script.chunkMs} ms`,
    );

    const samples: TurnSample[] = [];
    const failures: string[] = [];
    for (let i = 0; i < warmup + turns; i += 1) {
      const measured = i >= warmup;
      const t0 = performance.now();
      const res = await post(`${base}/v1/conversations/${conversation.json.id}/turns`, key, {
        role: 'prospect',
        text: `${QUESTIONS[i % QUESTIONS.length]} (bench turn ${i})`,
      });
      if (res.status !== 202 || !res.json.turnId) {
        failures.push(`turn ${i}: HTTP ${res.status}`);
        continue;
      }
      const events = await stream.finished(res.json.turnId, turnTimeoutMs);
      const model = timelines.get(i);
      if (events.failedAt !== undefined || events.generatedAt === undefined) {
        failures.push(`turn ${i}: turn.failed ${events.failure ?? ''}`);
        continue;
      }
      if (
        events.firstDeltaAt === undefined ||
        model?.firstRequestAt === undefined ||
        model.finalRequestAt === undefined ||
        model.replyTokenAt === undefined ||
        model.streamEndAt === undefined
      ) {
        failures.push(`turn ${i}: no reply.delta before reply.generated, or no final model call`);
        continue;
      }
      if (model.requests !== 2) progress(`turn ${i}: ${model.requests} model requests (retry or repair)`);
      const sample: TurnSample = {
        intakeMs: model.firstRequestAt - t0,
        toolRoundMs: model.finalRequestAt - model.firstRequestAt,
        timeToFirstDeltaMs: events.firstDeltaAt - t0,
        streamOverheadMs: events.firstDeltaAt - model.replyTokenAt,
        turnOverheadMs: events.firstDeltaAt - t0 - script.modelTtftMs,
        firstDeltaToReplyMs: events.generatedAt - events.firstDeltaAt,
        replyAfterStreamEndMs: events.generatedAt - model.streamEndAt,
        deltas: events.deltas,
      };
      if (measured) samples.push(sample);
      const n = measured ? `${i - warmup + 1}/${turns}` : `warm-up ${i + 1}/${warmup}`;
      progress(
        `${n}: first delta ${sample.timeToFirstDeltaMs.toFixed(0)} ms ` +
          `(stream overhead ${sample.streamOverheadMs.toFixed(1)} ms), ` +
          `reply ${(events.generatedAt - t0).toFixed(0)} ms, ${sample.deltas} deltas`,
      );
    }

    const of = (pick: (s: TurnSample) => number): Stats => stats(samples.map(pick));
    const summary = {
      mode: 'embedded, orchestrator on the Anthropic SDK against the in-process test server',
      turns,
      warmup,
      failures: failures.length,
      scriptedModel: {
        timeToFirstTokenMs: script.modelTtftMs,
        firstEventDelayMs: script.firstEventDelayMs,
        chunkMs: script.chunkMs,
        jsonChunkChars: script.jsonChunkChars,
        toolRoundModelMs: 0,
      },
      clientTimeToFirstDeltaMs: of((s) => s.timeToFirstDeltaMs),
      pipelineOverheadMs: {
        /** First reply token written by the model → first reply.delta at the client. */
        stream: of((s) => s.streamOverheadMs),
        /** Client time to first delta − the model's TTFT: intake + tool round + stream relay. */
        turn: of((s) => s.turnOverheadMs),
        intake: of((s) => s.intakeMs),
        toolRound: of((s) => s.toolRoundMs),
      },
      firstDeltaToReplyGeneratedMs: of((s) => s.firstDeltaToReplyMs),
      replyGeneratedAfterModelStreamEndMs: of((s) => s.replyAfterStreamEndMs),
      deltasPerTurn: of((s) => s.deltas),
      repliesCitingAPassage: [...timelines.values()].filter((t) => t.cited).length,
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
      ...(failures.length > 0 ? { failureDetails: failures.slice(0, 10) } : {}),
    };
    const json = `${JSON.stringify(summary, null, 2)}\n`;
    process.stdout.write(json);
    if (values.out) writeFileSync(values.out, json);
    return failures.length > 0 || samples.length === 0 ? 1 : 0;
  } finally {
    stream?.close();
    await system?.stop().catch((error: unknown) => progress(`stopping the system failed: ${String(error)}`));
    await anthropic.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
