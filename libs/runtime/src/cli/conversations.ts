import { Logger } from '@nestjs/common';
import { ConversationDeleted, type KafkaRecord } from '@lib/contracts';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { createServiceDataSource, PostgresOutbox, UnitOfWork } from '@lib/database';
import { GATEWAY_DATABASE, GATEWAY_SCHEMA, runConversationsCommand } from '@lib/gateway-api';
import { createRecordSink, DefaultEventPublisher, RecordSink } from '@lib/messaging';

/**
 * `npm run conversations -- <command>`: deletes conversations everywhere they are stored, on the gateway's
 * database (DATABASE_URL). Run the migrations first.
 *   delete --tenant <id|name> --conversation <id>
 *   retention [--dry-run] [--tenant <id|name>] [--batch <n>]
 * The `conversation.deleted` events go through the gateway's outbox, committed with each deletion. With
 * MESSAGING_TRANSPORT=kafka (the default) this command sends them itself (KAFKA_BROKERS) before it exits, so
 * it works with the gateway down; what it could not send stays in the outbox for the gateway's relay. With
 * MESSAGING_TRANSPORT=in-process (the embedded mode's bus lives in the embedded process) they wait in the
 * outbox, and the embedded system's gateway sends them at its next poll (within a second while it runs,
 * else when it starts).
 */

/** The embedded mode's bus is not reachable from here: leave the events to the gateway's relay. */
class OutboxOnlySink extends RecordSink {
  send(topic: string, records: KafkaRecord[]): Promise<void> {
    return Promise.reject(
      new Error(
        `no event transport in this process: ${records.length} record(s) for ${topic} stay in the outbox`,
      ),
    );
  }
}

async function main(argv: string[]): Promise<number> {
  // The deletions' own log lines would interleave with the command's output: errors only.
  Logger.overrideLogger(['error']);
  const config = loadConfig(CommonConfigSchema);
  const dataSource = createServiceDataSource(GATEWAY_DATABASE, {
    url: config.DATABASE_URL,
    applicationName: 'conversations',
  });
  await dataSource.initialize();
  const kafka = config.MESSAGING_TRANSPORT === 'kafka';
  const sink = kafka
    ? createRecordSink({
        serviceName: 'gateway-cli',
        transport: 'kafka',
        kafka: { brokers: config.KAFKA_BROKERS, clientIdPrefix: config.KAFKA_CLIENT_ID_PREFIX },
      })
    : new OutboxOnlySink();
  const uow = new UnitOfWork(dataSource);
  const outbox = new PostgresOutbox(uow, sink);
  try {
    const code = await runConversationsCommand(argv, {
      uow,
      publisher: new DefaultEventPublisher('/sales-agent/gateway', sink, outbox),
    });
    await outbox.drain();
    const [{ waiting }]: { waiting: number }[] = await dataSource.query(
      `SELECT count(*)::int AS "waiting" FROM "${GATEWAY_SCHEMA}"."outbox" WHERE "headers"->>'ce_type' = $1`,
      [ConversationDeleted.type],
    );
    if (waiting > 0) {
      process.stderr.write(
        `${waiting} conversation.deleted event(s) wait in the gateway's outbox: ` +
          (kafka
            ? `Kafka (${config.KAFKA_BROKERS.join(',')}) did not take them; the gateway's relay (or the next run of this command) sends them\n`
            : "the running gateway's outbox relay sends them (embedded mode: within a second; when it starts if it is down)\n"),
      );
    }
    return code;
  } finally {
    await sink.close();
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`conversations failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
