import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { UnitOfWork } from '@lib/database';
import { ConversationRecordModule } from '../conversation-record.module';

/** Stands in for the runtime's global DatabaseModule: only the UnitOfWork the record needs. */
@Global()
@Module({})
class TestDatabaseModule {
  static with(uow: UnitOfWork): DynamicModule {
    return {
      module: TestDatabaseModule,
      providers: [{ provide: UnitOfWork, useValue: uow }],
      exports: [UnitOfWork],
    };
  }
}

@Module({})
class TestAppModule {
  static with(uow: UnitOfWork): DynamicModule {
    return { module: TestAppModule, imports: [TestDatabaseModule.with(uow), ConversationRecordModule] };
  }
}

/** The real ConversationRecordModule over HTTP on a free port, on a test database. */
export async function startTestApp(uow: UnitOfWork): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(TestAppModule.with(uow), { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
