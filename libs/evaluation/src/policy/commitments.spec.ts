import { findUnbackedCommitments, normaliseNumber } from './commitments';

const PRICING = 'Pricing\nThe Teams plan costs $450 per month. Annual billing saves 20%.';

describe('findUnbackedCommitments', () => {
  it('flags a discount and a price that no source states, quoting them, as critical', () => {
    const flags = findUnbackedCommitments('We can offer $300 per month, a 35% reduction.', [PRICING]);
    expect(flags.map((f) => [f.severity, f.evidence])).toEqual([
      ['critical', '$300'],
      ['critical', '35%'],
    ]);
    expect(flags.every((f) => f.kind === 'unbacked_commitment' && f.where === 'reply')).toBe(true);
  });

  it('accepts amounts and percentages a source states, whatever their spelling', () => {
    expect(
      findUnbackedCommitments('The Teams plan is $450.00 a month; annual billing saves 20 percent.', [
        PRICING,
      ]),
    ).toEqual([]);
    expect(
      findUnbackedCommitments('It is 1,200 USD a year.', ['Enterprise starts at $1200 per year']),
    ).toEqual([]);
  });

  it('flags commitments that no source makes, with the sentence as evidence', () => {
    const flags = findUnbackedCommitments(
      'Setup is quick. We guarantee a 2x lift in conversion. We will deliver the integration by Friday.',
      [PRICING],
    );
    expect(flags.map((f) => [f.severity, f.evidence])).toEqual([
      ['warning', 'We guarantee a 2x lift in conversion.'],
      ['warning', 'We will deliver the integration by Friday.'],
    ]);
  });

  it('accepts a commitment the grounding makes', () => {
    expect(
      findUnbackedCommitments('We guarantee 99.9% uptime.', ['The SLA guarantees 99.9% uptime.']),
    ).toEqual([]);
  });

  it('flags an unbacked discount word, and nothing in a reply without numbers or commitments', () => {
    expect(findUnbackedCommitments('I can get you a discount.', [PRICING])).toHaveLength(1);
    expect(findUnbackedCommitments('Funnels show where users drop off.', [PRICING])).toEqual([]);
  });

  it('normalises numbers', () => {
    expect(['$1,200.00', '1200', '€1,200', '0.5'].map(normaliseNumber)).toEqual([
      '1200',
      '1200',
      '1200',
      '0.5',
    ]);
  });
});
