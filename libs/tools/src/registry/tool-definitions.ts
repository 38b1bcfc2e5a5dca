import { z } from 'zod';
import { CrmLookupProspectSpec } from '../crm/crm-lookup-prospect.schema';
import { CrmGetAccountSpec, CrmGetDealHistorySpec } from '../crm/tools/crm-read-tools.schema';
import {
  CrmCreateTaskSpec,
  CrmLogActivitySpec,
  CrmUpdateContactSpec,
  CrmUpdateDealSpec,
} from '../crm/tools/crm-write-tools.schema';
import { FaqLookupSpec } from '../faq/faq-lookup.schema';
import { KnowledgeSearchSpec } from '../knowledge-base/knowledge-search.schema';
import type { ToolSpec } from './tool';

/** Every tool the tool-runner offers. The orchestrator declares exactly these to the model. */
export const TOOL_SPECS: readonly ToolSpec[] = [
  CrmLookupProspectSpec,
  KnowledgeSearchSpec,
  FaqLookupSpec,
  // CRM reads, and CRM writes that only propose (a rep approves them).
  CrmGetAccountSpec,
  CrmGetDealHistorySpec,
  CrmUpdateDealSpec,
  CrmLogActivitySpec,
  CrmCreateTaskSpec,
  CrmUpdateContactSpec,
];

/** A tool as declared to a language model (Anthropic Messages API `tools[]`: name, description, input_schema). */
export interface ToolDeclaration {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** JSON Schema (draft 2020-12) of the arguments, `type: object` at the top. */
  readonly inputJsonSchema: Record<string, unknown>;
}

/** The JSON Schema the model sees: the arguments as they may be sent (defaults make fields optional). */
export function toInputJsonSchema(spec: ToolSpec): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(spec.arguments, { io: 'input' }) as Record<
    string,
    unknown
  >;
  return schema;
}

export const TOOL_DEFINITIONS: readonly ToolDeclaration[] = TOOL_SPECS.map((spec) =>
  Object.freeze({
    name: spec.name,
    version: spec.version,
    description: spec.description,
    inputJsonSchema: toInputJsonSchema(spec),
  }),
);
