import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CommonConfigSchema, loadConfig, type CommonConfig } from '@lib/config';
import {
  AnalysisCompleted,
  ConversationStarted,
  EvaluationCompleted,
  ReplyGenerated,
  ToolCompleted,
  ToolFailed,
  ToolRequested,
  TurnReceived,
  deriveId,
  newId,
  toKafkaRecord,
  type EventData,
  type EventDefinition,
  type KafkaRecord,
} from '@lib/contracts';
import { PERSISTENCE_SCHEMA, persistenceService } from '@lib/conversation-record';
import { KafkaRecordSink, createEnvelope, ensureTopics } from '@lib/messaging';
import { startService } from '@lib/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

/**
 * Persistence consumer throughput on the real Kafka broker (KAFKA_BROKERS) and PostgreSQL (DATABASE_URL's
 * server): a realistic stream of valid conversation events (conversation.started, then per turn
 * turn.received, two tool calls, analysis.completed, reply.generated, evaluation.completed) is produced
 * once; then, for each mode, the real persistence service (runtime + ConversationRecordModule) starts on
 * a fresh database with fresh consumer groups positioned at the start of the stream, and the bench polls
 * the inbox until every event is stored. events/s counts from the moment the service is ready (its consumers
 * joined their groups) to the last event stored; `transactions` is how many transactions stored events
 * (inbox rows of one transaction share its now()), `rollbacks` and `deadlocks` come from pg_stat_database of
 * the mode's database (a rolled-back chunk is redone record by record).
 *
 *   npm run build && npm run bench:persistence -- --conversations 500 --turns 5 --batch-size 50 --transactions 4
 */
const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '500' },
    turns: { type: 'string', default: '5' },
    // Default: KAFKA_CONSUMER_BATCH_SIZE / KAFKA_CONSUMER_BATCH_TRANSACTIONS (50 / 4).
    'batch-size': { type: 'string' },
    transactions: { type: 'string' },
    modes: { type: 'string', default: 'per-record,batched' },
    'timeout-seconds': { type: 'string', default: '300' },
  },
});

function positiveInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
}

const conversations = positiveInt('conversations', values.conversations);
const turnsPerConversation = positiveInt('turns', values.turns);
const base = ((): CommonConfig => {
  try {
    return loadConfig(CommonConfigSchema);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
})();
const batchSize = positiveInt('batch-size', values['batch-size'] ?? String(base.KAFKA_CONSUMER_BATCH_SIZE));
const concurrentTransactions = positiveInt(
  'transactions',
  values.transactions ?? String(base.KAFKA_CONSUMER_BATCH_TRANSACTIONS),
);
const timeoutMs = positiveInt('timeout-seconds', values['timeout-seconds']) * 1000;
const MODES = ['per-record', 'batched'] as const;
type Mode = (typeof MODES)[number];
const modes = (values.modes ?? '').split(',').map((m) => m.trim());
for (const mode of modes) {
  if (!(MODES as readonly string[]).includes(mode)) {
    process.stderr.write(`--modes: unknown mode "${mode}", use ${MODES.join(', ')}\n`);
    process.exit(2);
  }
}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const model = { provider: 'offline', name: 'rules', promptVersion: 'sales-assistant-v1' };
const TENANTS = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d'];

interface Produced {
  readonly topic: string;
  readonly record: KafkaRecord;
}

interface ExpectedRows {
  conversations: number;
  turns: number;
  tool_calls: number;
  analyses: number;
  replies: number;
  evaluations: number;
}

/** The stream, in the order a live system emits it: turn by turn, conversations interleaved. */
function buildStream(): { events: Produced[]; expected: ExpectedRows } {
  const events: Produced[] = [];
  const base = Date.UTC(2026, 0, 15, 9, 0, 0);
  const at = (seconds: number): string => new Date(base + seconds * 1000).toISOString();
  const emit = <D extends EventDefinition>(definition: D, data: EventData<D>, tenantId: string): void => {
    const envelope = createEnvelope(definition, data, { tenantId }, '/sales-agent/bench');
    events.push({ topic: definition.topic.name, record: toKafkaRecord(definition, envelope) });
  };
  const ids = Array.from({ length: conversations }, () => newId());
  ids.forEach((conversationId, c) =>
    emit(
      ConversationStarted,
      {
        conversationId,
        mode: 'assist',
        prospect: { name: `Prospect ${c}`, company: `Company ${c % 97}`, email: `p${c}@example.com` },
        repId: `rep-${c % 13}`,
        title: `Deal ${c}`,
        startedAt: at(c),
      },
      TENANTS[c % TENANTS.length],
    ),
  );
  for (let sequence = 1; sequence <= turnsPerConversation; sequence += 1) {
    ids.forEach((conversationId, c) => {
      const tenantId = TENANTS[c % TENANTS.length];
      const t = sequence * 600 + c;
      const turnId = deriveId(conversationId, 'turn', String(sequence));
      const replyId = deriveId(turnId, 'reply');
      const calls = ['crm_lookup_prospect', 'knowledge_search'].map((tool) => ({
        tool,
        toolCallId: deriveId(turnId, 'tool', tool),
      }));
      emit(
        TurnReceived,
        {
          conversationId,
          turnId,
          sequence,
          role: 'prospect',
          text: `How much would ${10 + sequence} seats cost per year, and is there an annual discount?`,
          conversation: { mode: 'assist', prospect: { email: `p${c}@example.com` } },
          receivedAt: at(t),
        },
        tenantId,
      );
      for (const { tool, toolCallId } of calls) {
        emit(
          ToolRequested,
          {
            conversationId,
            turnId,
            toolCallId,
            tool,
            arguments: { query: 'pricing annual discount' },
            requestedAt: at(t + 1),
          },
          tenantId,
        );
      }
      const [crm, kb] = calls;
      emit(
        ToolCompleted,
        {
          conversationId,
          turnId,
          toolCallId: crm.toolCallId,
          tool: crm.tool,
          result: { accounts: [{ id: `acc-${c}`, name: `Company ${c % 97}` }] },
          durationMs: 12.5,
          completedAt: at(t + 2),
        },
        tenantId,
      );
      // One knowledge search in ten times out.
      if ((c + sequence) % 10 === 0) {
        emit(
          ToolFailed,
          {
            conversationId,
            turnId,
            toolCallId: kb.toolCallId,
            tool: kb.tool,
            error: { code: 'timeout', message: 'no answer in 5000 ms', retryable: true },
            durationMs: 5000,
            failedAt: at(t + 2),
          },
          tenantId,
        );
      } else {
        emit(
          ToolCompleted,
          {
            conversationId,
            turnId,
            toolCallId: kb.toolCallId,
            tool: kb.tool,
            result: { passages: [{ sourceId: 'kb-pricing', text: 'Annual plans get 20% off.' }] },
            durationMs: 30,
            completedAt: at(t + 2),
          },
          tenantId,
        );
      }
      emit(
        AnalysisCompleted,
        {
          conversationId,
          turnId,
          analysis: {
            intents: [{ name: 'pricing_question', confidence: 0.9 }],
            sentiment: { label: 'neutral', score: 0.1 },
            entities: [{ type: 'seats', text: `${10 + sequence} seats`, value: String(10 + sequence) }],
            objections: [{ type: 'price', evidence: 'how much would it cost' }],
            buyingSignals: [{ signal: 'asks for annual pricing', evidence: 'per year' }],
            stage: sequence < 3 ? 'discovery' : 'proposal',
          },
          model,
          completedAt: at(t + 3),
        },
        tenantId,
      );
      emit(
        ReplyGenerated,
        {
          conversationId,
          turnId,
          replyId,
          kind: 'suggestion',
          text: 'Annual plans get 20% off the list price; for your team that would be about 4,000 USD.',
          citations: [{ sourceId: 'kb-pricing', title: 'Pricing', source: 'kb/pricing.md' }],
          grounding: [],
          toolCallIds: calls.map((call) => call.toolCallId),
          model,
          usage: { inputTokens: 1200, outputTokens: 80 },
          timing: {
            turnReceivedAt: at(t),
            orchestrationStartedAt: at(t),
            toolsMs: 30,
            generationMs: 900,
          },
          generatedAt: at(t + 4),
        },
        tenantId,
      );
      emit(
        EvaluationCompleted,
        {
          conversationId,
          turnId,
          replyId,
          evaluationId: deriveId(replyId, 'evaluation'),
          scores: { groundedness: 0.9, grounded: true, citationValidity: 1, schemaValid: true },
          latency: { totalMs: 1000, stages: { tools: 30, generation: 900 } },
          promptVersion: model.promptVersion,
          evaluator: { name: 'rules', version: '1' },
          evaluatedAt: at(t + 5),
        },
        tenantId,
      );
    });
  }
  const turns = conversations * turnsPerConversation;
  return {
    events,
    expected: {
      conversations,
      turns,
      tool_calls: turns * 2,
      analyses: turns,
      replies: turns,
      evaluations: turns,
    },
  };
}

/** Topics created a moment ago may not have their leaders yet. */
async function retry<T>(what: string, work: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      log(`${what}: ${error instanceof Error ? error.message : String(error)}, retrying`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

interface ModeResult {
  readonly mode: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly beforeReady: number;
  readonly transactions: number;
  readonly rollbacks: number;
  readonly deadlocks: number;
}

async function runMode(
  mode: Mode,
  base: CommonConfig,
  startOffsets: Map<string, { partition: number; offset: string }[]>,
  total: number,
  expected: ExpectedRows,
  run: string,
): Promise<ModeResult> {
  const database = `bench_persistence_${run}_${mode.replace('-', '_')}`;
  const adminUrl = withDatabase(base.DATABASE_URL, 'postgres');
  const url = withDatabase(base.DATABASE_URL, database);
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const groupPrefix = `bench-${run}-${mode}.`;
  const kafka = new Kafka({
    clientId: `bench-admin-${run}`,
    brokers: base.KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const db = new Client({ connectionString: url });
  try {
    // Fresh groups that start exactly where the stream starts (older records of the topics are skipped).
    const positioning = performance.now();
    await Promise.all(
      [...startOffsets].map(([topic, partitions]) =>
        admin.setOffsets({ groupId: `${groupPrefix}${persistenceService.name}.${topic}`, topic, partitions }),
      ),
    );
    log(`${mode}: consumer groups positioned in ${((performance.now() - positioning) / 1000).toFixed(1)} s`);
    const config: CommonConfig = {
      ...base,
      DATABASE_URL: url,
      MESSAGING_TRANSPORT: 'kafka',
      KAFKA_CONSUMER_GROUP_PREFIX: groupPrefix,
      KAFKA_CONSUMER_BATCH_SIZE: batchSize,
      KAFKA_CONSUMER_BATCH_TRANSACTIONS: concurrentTransactions,
      // Handler errors of rolled-back chunks (deadlocks) are logged by Nest at error level: the table counts them.
      LOG_LEVEL: 'fatal',
    };
    log(`${mode}: starting the persistence service on database ${database}`);
    const booting = performance.now();
    const service = await startService(
      { ...persistenceService, batchDelivery: mode === 'batched' },
      { config, migrateOnBoot: true, port: 0, logService: 'persistence' },
    );
    log(`${mode}: ready in ${((performance.now() - booting) / 1000).toFixed(1)} s`);
    await db.connect();
    const inbox = `"${PERSISTENCE_SCHEMA}"."inbox"`;
    const count = async (): Promise<number> =>
      Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${inbox}`)).rows[0].n);
    const started = performance.now();
    const beforeReady = await count();
    let stored = beforeReady;
    let lastLog = started;
    while (stored < total) {
      if (performance.now() - started > timeoutMs) {
        throw new Error(`${mode}: only ${stored}/${total} events stored after ${timeoutMs / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      stored = await count();
      if (performance.now() - lastLog >= 2000) {
        lastLog = performance.now();
        const rate = (stored - beforeReady) / ((lastLog - started) / 1000);
        log(`${mode}: ${stored}/${total} stored (${rate.toFixed(0)} events/s)`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    // Every event left its row: the record is complete, not just the inbox.
    for (const [table, want] of Object.entries(expected)) {
      const got = Number(
        (await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${PERSISTENCE_SCHEMA}"."${table}"`))
          .rows[0].n,
      );
      if (got !== want) throw new Error(`${mode}: ${table} has ${got} rows, expected ${want}`);
    }
    // The rows of one transaction share its now(): one value per transaction that stored events.
    const transactionCount = Number(
      (await db.query<{ n: string }>(`SELECT count(DISTINCT "processed_at") AS n FROM ${inbox}`)).rows[0].n,
    );
    const stopping = performance.now();
    await service.stop();
    log(`${mode}: stopped in ${((performance.now() - stopping) / 1000).toFixed(1)} s`);
    await db.query('SELECT pg_stat_force_next_flush()').catch(() => undefined);
    const stats = (
      await db.query<{ xact_rollback: string; deadlocks: string }>(
        'SELECT xact_rollback, deadlocks FROM pg_stat_database WHERE datname = current_database()',
      )
    ).rows[0];
    const events = total - beforeReady;
    const result: ModeResult = {
      mode: mode === 'batched' ? `batched (${batchSize} × ${concurrentTransactions})` : mode,
      events,
      seconds: Number(seconds.toFixed(1)),
      eventsPerSecond: Math.round(events / seconds),
      beforeReady,
      transactions: transactionCount,
      rollbacks: Number(stats.xact_rollback),
      deadlocks: Number(stats.deadlocks),
    };
    log(`${mode}: done, ${result.eventsPerSecond} events/s`);
    return result;
  } finally {
    await db.end().catch(() => undefined);
    await admin.disconnect();
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  }
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const { events, expected } = buildStream();
  const topics = [...new Set(events.map((e) => e.topic))].sort();
  await ensureTopics(base.KAFKA_BROKERS, {
    partitions: base.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: base.KAFKA_REPLICATION_FACTOR,
  });

  const kafka = new Kafka({
    clientId: `bench-admin-${run}`,
    brokers: base.KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const startOffsets = new Map<string, { partition: number; offset: string }[]>();
  for (const topic of topics) {
    const ends = await retry(`offsets of ${topic}`, () => admin.fetchTopicOffsets(topic));
    startOffsets.set(
      topic,
      ends.map((p) => ({ partition: p.partition, offset: p.high })),
    );
  }
  await admin.disconnect();

  const sink = new KafkaRecordSink({ brokers: base.KAFKA_BROKERS, clientId: `bench-producer-${run}` });
  const produceStarted = performance.now();
  // One producer, per topic in stream order (per key order is what Kafka keeps), slices of 1000.
  await Promise.all(
    topics.map(async (topic) => {
      const records = events.filter((e) => e.topic === topic).map((e) => e.record);
      for (let i = 0; i < records.length; i += 1000) await sink.send(topic, records.slice(i, i + 1000));
    }),
  );
  const produceSeconds = (performance.now() - produceStarted) / 1000;
  await sink.close();
  log(
    `produced ${events.length} events (${conversations} conversations × ${turnsPerConversation} turns) to ` +
      `${topics.length} topics in ${produceSeconds.toFixed(1)} s`,
  );

  const results: ModeResult[] = [];
  for (const mode of modes as Mode[]) {
    results.push(await runMode(mode, base, startOffsets, events.length, expected, run));
  }
  const header = ['mode', 'events', 'seconds', 'events/s', 'transactions', 'rollbacks', 'deadlocks'];
  const rows = results.map((r) => [
    r.mode,
    String(r.events),
    r.seconds.toFixed(1),
    String(r.eventsPerSecond),
    String(r.transactions),
    String(r.rollbacks),
    String(r.deadlocks),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(
    [
      `persistence consumer, ${events.length} events, ${base.KAFKA_TOPIC_PARTITIONS} partitions per topic`,
      line(header),
      line(widths.map((w) => '-'.repeat(w))),
      ...rows.map(line),
      '',
    ].join('\n'),
  );
  process.stdout.write(`${JSON.stringify({ produced: events.length, produceSeconds, results }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
