import { accessTablesMigration } from '@lib/access';
import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { CreateGatewayConversations1764000002000 } from './migrations/gateway-conversations.migration';

export const GATEWAY_SCHEMA = 'gateway';

/** The gateway's PostgreSQL schema: inbox/outbox, tenants and API keys, conversation ownership and turns. */
export const GATEWAY_DATABASE: ServiceDatabase = {
  schema: GATEWAY_SCHEMA,
  entities: [],
  migrations: [
    messagingTablesMigration(GATEWAY_SCHEMA),
    accessTablesMigration(GATEWAY_SCHEMA),
    CreateGatewayConversations1764000002000,
  ],
};
