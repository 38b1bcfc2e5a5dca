import { BUILT_IN_COMPETITORS, findCompetitorDisparagement } from './competitors';

describe('findCompetitorDisparagement', () => {
  it('flags a sentence naming a competitor with negative wording, quoting it', () => {
    const flags = findCompetitorDisparagement(
      'Funnels are built in. Honestly, Mixpanel is buggy and overpriced. Happy to show you.',
      BUILT_IN_COMPETITORS,
    );
    expect(flags).toEqual([
      {
        kind: 'competitor_disparagement',
        severity: 'warning',
        evidence: 'Honestly, Mixpanel is buggy and overpriced.',
        where: 'reply',
      },
    ]);
  });

  it('leaves neutral mentions alone', () => {
    expect(
      findCompetitorDisparagement('You can import your events from Amplitude or Heap.', BUILT_IN_COMPETITORS),
    ).toEqual([]);
  });

  it('uses configured names, case-insensitively, as whole words', () => {
    expect(
      findCompetitorDisparagement('acme analytics is a nightmare to run.', ['Acme Analytics']),
    ).toHaveLength(1);
    expect(findCompetitorDisparagement('The heaps of data were a mess.', ['Heap'])).toEqual([]);
    expect(findCompetitorDisparagement('Heap is awful.', [])).toEqual([]);
  });
});
