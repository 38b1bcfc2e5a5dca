import { TOOL_DEFINITIONS, TOOL_SPECS } from './tool-definitions';

describe('TOOL_DEFINITIONS', () => {
  it('declares every tool with an object JSON Schema of its arguments', () => {
    expect(TOOL_DEFINITIONS.map((d) => d.name)).toEqual([
      'crm_lookup_prospect',
      'knowledge_search',
      'faq_lookup',
      'crm_get_account',
      'crm_get_deal_history',
      'crm_update_deal',
      'crm_log_activity',
      'crm_create_task',
      'crm_update_contact',
    ]);
    for (const definition of TOOL_DEFINITIONS) {
      expect(definition.description.length).toBeGreaterThan(40);
      expect(definition.inputJsonSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(definition.inputJsonSchema).not.toHaveProperty('$schema');
      // The tenant is never something the model chooses.
      expect(Object.keys(definition.inputJsonSchema.properties as object)).not.toContain('tenantId');
    }
  });

  it('describes the arguments as the model may send them (defaults are optional)', () => {
    const search = TOOL_DEFINITIONS.find((d) => d.name === 'knowledge_search');
    expect(search?.inputJsonSchema).toMatchObject({
      required: ['query'],
      properties: {
        query: { type: 'string', minLength: 1, maxLength: 500 },
        limit: { type: 'integer', minimum: 1, maximum: 10, default: 4 },
      },
    });
    const crm = TOOL_DEFINITIONS.find((d) => d.name === 'crm_lookup_prospect');
    expect(Object.keys(crm?.inputJsonSchema.properties as object)).toEqual(['email', 'name', 'company']);
  });

  it('tells the model that CRM write tools only propose, and asks for the prospect’s words as evidence', () => {
    const writes = TOOL_DEFINITIONS.filter((d) => /^crm_(update|log|create)_/.test(d.name));
    expect(writes).toHaveLength(4);
    for (const write of writes) {
      expect(write.description).toMatch(/does NOT change the CRM/);
      expect((write.inputJsonSchema as { required?: string[] }).required).toContain('evidence');
    }
  });

  it('keeps versions and names unique', () => {
    expect(new Set(TOOL_SPECS.map((s) => s.name)).size).toBe(TOOL_SPECS.length);
    for (const spec of TOOL_SPECS) expect(spec.version).toMatch(/^\d+$/);
  });
});
