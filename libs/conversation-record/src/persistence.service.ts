import type { ServiceDefinition } from '@lib/runtime';
import { ConversationRecordModule } from './conversation-record.module';
import { PERSISTENCE_DATABASE } from './persistence-database';

/** The persistence service, for the runtime: the system of record of conversations. */
export const persistenceService: ServiceDefinition = {
  name: 'persistence',
  database: PERSISTENCE_DATABASE,
  module: ConversationRecordModule,
  defaultPort: 3103,
  delivery: 'shared',
  // Database-only handlers that lock per conversation: chunks of records share one transaction (Kafka).
  batchDelivery: true,
};
