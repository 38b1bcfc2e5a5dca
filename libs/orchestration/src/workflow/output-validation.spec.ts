import { analyseMessage } from '../offline/analyser';
import { ModelError, type TurnOutcome } from '../model/model-step';
import { validateFinalOutcome } from './output-validation';

const analysis = analyseMessage('How much is the annual plan?');
const cite = (sourceId: string) => ({ sourceId, title: sourceId, source: 'kb' });
const base: TurnOutcome = {
  analysis,
  reply: {
    text: 'Annual plans are credit-based.',
    citations: [cite('kb:a'), cite('kb:made-up'), cite('kb:a'), cite('crm:contact:1')],
  },
  nextBestActions: [{ action: 'Send pricing', reason: 'asked' }],
  proposedCrmUpdates: [],
};
const options = { groundingIds: new Set(['kb:a', 'crm:contact:1']), replyRequired: true };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ModelError ? error.code : 'other';
  }
  return undefined;
}

describe('validateFinalOutcome', () => {
  it('keeps citations to the grounding once each and reports the invented ones', () => {
    const { outcome, droppedCitations } = validateFinalOutcome(base, options);
    expect(outcome.reply?.citations.map((c) => c.sourceId)).toEqual(['kb:a', 'crm:contact:1']);
    expect(droppedCitations).toEqual(['kb:made-up']);
    expect(outcome.nextBestActions).toEqual(base.nextBestActions);
  });

  it('requires a non-empty reply for a prospect turn', () => {
    expect(codeOf(() => validateFinalOutcome({ ...base, reply: undefined }, options))).toBe(
      'invalid_model_output',
    );
    expect(
      codeOf(() => validateFinalOutcome({ ...base, reply: { text: '  ', citations: [] } }, options)),
    ).toBe('invalid_model_output');
  });

  it('drops the reply of a turn that needs none (a rep turn)', () => {
    const { outcome } = validateFinalOutcome(base, { ...options, replyRequired: false });
    expect(outcome.reply).toBeUndefined();
    expect(outcome.analysis).toEqual(analysis);
  });

  it('rejects an analysis or a CRM proposal that breaks the contract, naming the field', () => {
    const badAnalysis = {
      ...base,
      analysis: { ...analysis, stage: 'almost_there' },
    } as unknown as TurnOutcome;
    expect(() => validateFinalOutcome(badAnalysis, options)).toThrow(/analysis .*stage/);
    const badUpdate = {
      ...base,
      proposedCrmUpdates: [{ entity: 'invoice', field: 'x', value: 1, evidence: 'e' }],
    } as unknown as TurnOutcome;
    expect(codeOf(() => validateFinalOutcome(badUpdate, options))).toBe('invalid_model_output');
  });
});
