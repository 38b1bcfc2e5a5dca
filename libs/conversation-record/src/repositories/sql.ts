import { PERSISTENCE_SCHEMA } from '../schema';

export type Table =
  | 'conversations'
  | 'turns'
  | 'analyses'
  | 'tool_calls'
  | 'replies'
  | 'turn_failures'
  | 'evaluations'
  | 'feedback'
  | 'conversation_feedback'
  | 'alerts'
  | 'crm_changes'
  | 'analysis_intents'
  | 'analysis_entities'
  | 'analysis_objections'
  | 'stage_transitions';

/** Schema-qualified table name for raw SQL. */
export const table = (name: Table): string => `"${PERSISTENCE_SCHEMA}"."${name}"`;

/** jsonb parameter: node-postgres would send a JS array as a PostgreSQL array, so always send JSON text. */
export const json = (value: unknown): string => JSON.stringify(value ?? null);

/** `INSERT ... RETURNING` rows: non-empty when the row was inserted (not skipped by ON CONFLICT). */
export const inserted = (rows: unknown): boolean => Array.isArray(rows) && rows.length > 0;
