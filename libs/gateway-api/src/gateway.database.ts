import { accessTablesMigration } from '@lib/access';
import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { GatewayConversationEnd1764000008310 } from './conversation-end/gateway-conversation-end.migration';
import { GatewayConversationDeletion1764000007200 } from './migrations/gateway-conversation-deletion.migration';
import { CreateGatewayConversations1764000002000 } from './migrations/gateway-conversations.migration';

export const GATEWAY_SCHEMA = 'gateway';

/**
 * The gateway's PostgreSQL schema: inbox/outbox, tenants (with their retention period) and API keys,
 * conversation ownership and turns, tombstones of deleted conversations.
 */
export const GATEWAY_DATABASE: ServiceDatabase = {
  schema: GATEWAY_SCHEMA,
  entities: [],
  migrations: [
    messagingTablesMigration(GATEWAY_SCHEMA),
    accessTablesMigration(GATEWAY_SCHEMA),
    CreateGatewayConversations1764000002000,
    GatewayConversationDeletion1764000007200,
    GatewayConversationEnd1764000008310,
  ],
};
