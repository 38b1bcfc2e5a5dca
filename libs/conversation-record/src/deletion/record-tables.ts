import type { EntityManager } from 'typeorm';
import { PERSISTENCE_SCHEMA } from '../schema';

/** A table of the record that holds rows of conversations, and how they name the conversation. */
export interface ConversationTable {
  readonly table: string;
  /** `id` for `conversations`, `conversation_id` everywhere else. */
  readonly column: 'id' | 'conversation_id';
  readonly hasTenant: boolean;
}

/** Tables that are not the conversation's data: the tombstones themselves. */
const NOT_CONVERSATION_DATA = new Set(['deleted_conversations']);

/**
 * Every table of the schema with a `conversation_id` column (plus `conversations` itself), read from
 * `information_schema` at run time: a table added by a later migration is covered without anyone
 * remembering to list it here.
 */
export async function conversationTables(manager: EntityManager): Promise<ConversationTable[]> {
  const rows: { table_name: string; has_tenant: boolean }[] = await manager.query(
    `SELECT c."table_name", bool_or(c."column_name" = 'tenant_id') AS "has_tenant"
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t."table_schema" = c."table_schema" AND t."table_name" = c."table_name"
     WHERE c."table_schema" = $1 AND t."table_type" = 'BASE TABLE'
     GROUP BY c."table_name"
     HAVING bool_or(c."column_name" = 'conversation_id')
     ORDER BY c."table_name"`,
    [PERSISTENCE_SCHEMA],
  );
  const tables: ConversationTable[] = rows
    .filter((r) => !NOT_CONVERSATION_DATA.has(r.table_name))
    .map((r) => ({ table: r.table_name, column: 'conversation_id', hasTenant: r.has_tenant }));
  // The conversation row last: its children go first (there are no foreign keys, but if one is ever added
  // it points at the conversation).
  tables.push({ table: 'conversations', column: 'id', hasTenant: true });
  return tables;
}
