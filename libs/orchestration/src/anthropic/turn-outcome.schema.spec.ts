import { validOutcome, KB_SOURCE } from './test-fixtures';
import { turnOutcomeJsonSchema, validateTurnOutcome } from './turn-outcome.schema';

const sources = new Map([[KB_SOURCE, { title: 'Pricing › Growth', source: 'docs/pricing.md' }]]);
const options = { replyRequired: true, knownSources: sources, unknownCitations: 'error' as const };

describe('validateTurnOutcome', () => {
  it('accepts a complete outcome and normalises citations from the known sources', () => {
    const result = validateTurnOutcome(validOutcome(), options);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.outcome.reply?.citations).toEqual([
      { sourceId: KB_SOURCE, title: 'Pricing › Growth', source: 'docs/pricing.md' },
    ]);
  });

  it('lists every schema problem with its path', () => {
    const broken = {
      ...validOutcome(),
      analysis: { ...validOutcome().analysis, sentiment: { label: 'meh', score: 3 } },
    };
    const result = validateTurnOutcome(broken, options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toMatch(/analysis\.sentiment\.label/);
    expect(result.errors.join('\n')).toMatch(/analysis\.sentiment\.score/);
  });

  it('requires BANT and MEDDIC qualification', () => {
    const { qualification: _q, ...analysis } = validOutcome().analysis;
    const result = validateTurnOutcome({ ...validOutcome(), analysis }, options);
    expect(result.ok).toBe(false);
  });

  it('requires a reply for a prospect message, and drops one given for a rep message', () => {
    expect(validateTurnOutcome(validOutcome({ reply: undefined }), options).ok).toBe(false);
    const rep = validateTurnOutcome(validOutcome(), { ...options, replyRequired: false });
    expect(rep.ok && rep.outcome.reply).toBeUndefined();
  });

  it('rejects, then (on the repair) drops, citations to sources no tool returned', () => {
    const invented = validOutcome({
      reply: { text: 'Hi', citations: [{ sourceId: 'kb:invented', title: 't', source: 's' }] },
    });
    const first = validateTurnOutcome(invented, options);
    expect(first.ok).toBe(false);
    expect(!first.ok && first.errors[0]).toContain('kb:invented');
    const repaired = validateTurnOutcome(invented, { ...options, unknownCitations: 'drop' });
    expect(repaired.ok && repaired.outcome.reply?.citations).toEqual([]);
    expect(repaired.ok && repaired.droppedCitations).toEqual(['kb:invented']);
  });
});

describe('turnOutcomeJsonSchema', () => {
  it('is a draft-07 object schema with the reply first and no $schema key', () => {
    const schema = turnOutcomeJsonSchema();
    expect(schema['type']).toBe('object');
    expect(schema).not.toHaveProperty('$schema');
    expect(Object.keys(schema['properties'] as object)[0]).toBe('reply');
    expect(schema['required']).toEqual(['analysis', 'nextBestActions', 'proposedCrmUpdates']);
  });
});
