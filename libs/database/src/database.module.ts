import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InboxStore, RecordSink, TransactionalOutbox } from '@lib/messaging';
import { DataSource } from 'typeorm';
import { createServiceDataSource, runMigrations, type ServiceDatabase } from './data-source';
import { PostgresInboxStore } from './inbox';
import { PostgresOutbox } from './outbox';
import { UnitOfWork } from './unit-of-work';

export interface DatabaseModuleOptions {
  readonly url: string;
  readonly applicationName: string;
  /** Embedded mode applies migrations at boot; distributed deployments run the migrate command instead. */
  readonly migrateOnBoot: boolean;
  readonly poolSize?: number;
}

const SERVICE_DATABASE = Symbol('SERVICE_DATABASE');

@Injectable()
class DatabaseLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TransactionalOutbox) private readonly outbox: PostgresOutbox,
  ) {}

  onApplicationBootstrap(): void {
    this.outbox.start();
  }

  /**
   * Sends what is left in the outbox. The runtime's stop() closes the consumers before app.close(), so this
   * also covers their last units of work; a plain app.close() would run it before the consumers close.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.outbox.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.logger.log('database connections closed');
  }
}

/**
 * The service's PostgreSQL: a DataSource on its own schema, the unit of work, the inbox and the outbox.
 * Global, so repositories anywhere in the service can inject `UnitOfWork`.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forService(database: ServiceDatabase, options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: SERVICE_DATABASE, useValue: database },
        {
          provide: DataSource,
          useFactory: async () => {
            const dataSource = createServiceDataSource(database, options);
            await dataSource.initialize();
            if (options.migrateOnBoot) {
              const applied = await runMigrations(dataSource, database.schema);
              if (applied.length) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            }
            return dataSource;
          },
        },
        { provide: UnitOfWork, useFactory: (ds: DataSource) => new UnitOfWork(ds), inject: [DataSource] },
        {
          provide: InboxStore,
          useFactory: (uow: UnitOfWork) => new PostgresInboxStore(uow),
          inject: [UnitOfWork],
        },
        {
          provide: TransactionalOutbox,
          useFactory: (uow: UnitOfWork, sink: RecordSink) => new PostgresOutbox(uow, sink),
          inject: [UnitOfWork, RecordSink],
        },
        DatabaseLifecycle,
      ],
      exports: [DataSource, UnitOfWork, InboxStore, TransactionalOutbox],
    };
  }
}
