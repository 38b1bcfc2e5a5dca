import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { CONVERSATION_RECORD_ENTITIES } from './entities';
import { CreateConversationRecord1764000003000 } from './migrations/1764000003000-create-conversation-record';
import { AddReplyUsage1764000004000 } from './migrations/1764000004000-add-reply-usage';
import { CreateCrmChanges1764000005000 } from './migrations/1764000005000-create-crm-changes';
import { PERSISTENCE_SCHEMA } from './schema';

/** The persistence service's database: inbox/outbox first, then the conversation record. */
export const PERSISTENCE_DATABASE: ServiceDatabase = {
  schema: PERSISTENCE_SCHEMA,
  entities: CONVERSATION_RECORD_ENTITIES,
  migrations: [
    messagingTablesMigration(PERSISTENCE_SCHEMA),
    CreateConversationRecord1764000003000,
    AddReplyUsage1764000004000,
    CreateCrmChanges1764000005000,
  ],
};
