import { z } from 'zod';
import type { EventDefinition } from '../event-definition';
import { ALL_EVENTS } from '../registry';

export type JsonSchema = Record<string, unknown>;

/** PascalCase name of an event, e.g. `io.salesagent.turn.received.v1` → `TurnReceivedV1`. */
export function eventName(definition: EventDefinition): string {
  const [, ...rest] = definition.type
    .replace(/^io\.salesagent\./, '')
    .split('.')
    .reverse();
  const version = definition.type.split('.').pop() ?? 'v1';
  const words = rest.reverse().flatMap((w) => w.split(/[-_]/));
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') + version.toUpperCase();
}

/** JSON Schema (draft 2020-12) of an event's `data`. */
export function dataJsonSchema(definition: EventDefinition): JsonSchema {
  const schema = z.toJSONSchema(definition.schema, { target: 'draft-2020-12', io: 'output' }) as JsonSchema;
  return {
    $id: `https://schemas.salesagent.io/events/${definition.type}.json`,
    title: eventName(definition),
    description: definition.description,
    ...schema,
  };
}

/** One JSON Schema file per event type, keyed by file name. */
export function buildJsonSchemas(): Record<string, JsonSchema> {
  const files: Record<string, JsonSchema> = {};
  for (const definition of ALL_EVENTS) files[`${definition.type}.json`] = dataJsonSchema(definition);
  return files;
}
