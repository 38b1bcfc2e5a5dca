import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { KafkaRecord } from '@lib/contracts';
import { PostgresOutbox, UnitOfWork } from '@lib/database';
import {
  DefaultEventPublisher,
  EventPublisher,
  RecordSink,
  TransactionalOutbox,
  type TombstoneRecord,
} from '@lib/messaging';
import { ConversationRecordModule } from '../conversation-record.module';

/** Keeps what persistence sends (through its outbox relay, or directly: tombstones), per topic. */
export class CollectingSink extends RecordSink {
  readonly sent: { topic: string; record: KafkaRecord | TombstoneRecord }[] = [];

  send(topic: string, records: KafkaRecord[]): Promise<void> {
    for (const record of records) this.sent.push({ topic, record });
    return Promise.resolve();
  }

  override sendTombstones(topic: string, records: TombstoneRecord[]): Promise<void> {
    for (const record of records) this.sent.push({ topic, record });
    return Promise.resolve();
  }

  ofKey(topic: string, key: string): (KafkaRecord | TombstoneRecord)[] {
    return this.sent.filter((s) => s.topic === topic && s.record.key === key).map((s) => s.record);
  }
}

/**
 * Stands in for the runtime's global DatabaseModule and MessagingModule: the UnitOfWork, the real outbox and
 * publisher, and a sink that only collects.
 */
@Global()
@Module({})
class TestDatabaseModule {
  static with(uow: UnitOfWork, sink: RecordSink): DynamicModule {
    const outbox = new PostgresOutbox(uow, sink);
    return {
      module: TestDatabaseModule,
      providers: [
        { provide: UnitOfWork, useValue: uow },
        { provide: RecordSink, useValue: sink },
        { provide: TransactionalOutbox, useValue: outbox },
        { provide: EventPublisher, useValue: new DefaultEventPublisher('/test/persistence', sink, outbox) },
      ],
      exports: [UnitOfWork, RecordSink, TransactionalOutbox, EventPublisher],
    };
  }
}

@Module({})
class TestAppModule {
  static with(uow: UnitOfWork, sink: RecordSink): DynamicModule {
    return {
      module: TestAppModule,
      imports: [TestDatabaseModule.with(uow, sink), ConversationRecordModule],
    };
  }
}

/** The real ConversationRecordModule over HTTP on a free port, on a test database. */
export async function startTestApp(
  uow: UnitOfWork,
  sink: RecordSink = new CollectingSink(),
): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(TestAppModule.with(uow, sink), { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
